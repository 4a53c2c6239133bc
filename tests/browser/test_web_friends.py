"""The friends panel: find someone by handle prefix and ask them, they
accept, both see each other with presence, and a block ends it for both."""

from __future__ import annotations

from playwright.sync_api import Locator, expect

from tests.browser.conftest import People
from tests.browser.person import Person


def open_friends(person: Person) -> Locator:
    person.page.get_by_role("button", name="Friends", exact=True).click()
    return person.page.get_by_role("dialog", name="Friends")


def friends_list(dialog: Locator) -> Locator:
    return dialog.get_by_role("list", name="Friends")


def test_a_request_found_by_search_is_accepted_and_a_block_ends_the_friendship(
    people: People,
) -> None:
    ann, ben = people("ann").register(), people("ben").register()
    ann_friends = open_friends(ann)
    ann_friends.get_by_label("Search by handle").fill(ben.handle[:8])
    ann_friends.get_by_role("button", name=f"Add {ben.handle} as a friend").click()
    expect(
        ann_friends.get_by_role("button", name=f"Cancel the request to {ben.handle}")
    ).to_be_visible()

    ben_friends = open_friends(ben)
    ben_friends.get_by_role("button", name=f"Accept {ann.handle}").click()
    for dialog, other in ((ann_friends, ben), (ben_friends, ann)):
        row = friends_list(dialog).get_by_role("listitem").filter(has_text=other.handle)
        expect(row).to_contain_text("online")
        expect(dialog.get_by_role("heading", name="Friends (1)")).to_be_visible()
    expect(ann_friends.get_by_role("heading", name="Requests")).to_be_hidden()

    search = ben_friends.get_by_label("Search by handle")
    search.fill(ann.handle[:8])
    found = ben_friends.get_by_role("list", name="Find people").get_by_role("listitem")
    expect(found.filter(has_text=ann.handle)).to_have_count(1)

    ann_friends.get_by_role("button", name=f"Block {ben.handle}").click()
    for dialog in (ann_friends, ben_friends):
        expect(dialog.get_by_role("heading", name="Friends (0)")).to_be_visible()
        expect(friends_list(dialog).get_by_role("listitem")).to_have_count(0)
    search.fill(ann.handle)  # a new search: whoever blocked Ben is not found
    expect(ben_friends.get_by_role("status")).to_have_text(
        f"No one has a handle starting with \u201c{ann.handle}\u201d."
    )
    expect(found).to_have_count(0)
