"""Groups in the page: a group of three chats, and its admin renames it and
changes its members; a member leaves."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import People
from tests.browser.person import Person


def detail_of_tick(person: Person, body: str) -> str:
    """What a hover over the tick of one's own message shows."""
    person.tick(body).hover()
    detail = person.message(body).locator(".receipt-detail")
    expect(detail).to_be_visible()
    return detail.inner_text()


def test_a_group_of_three_chats_and_shows_read_by_how_many(people: People) -> None:
    ann, ben, cat = (people(name).register() for name in ("ann", "ben", "cat"))
    ann.create_group("Trip", [ben, cat])
    expect(ann.conversation_status).to_have_text("3 members, 2 online")
    ann.send("who is in?")
    expect(ann.tick("who is in?")).to_have_attribute("data-state", "delivered")

    ben.open_conversation("Trip")
    expect(ann.tick("who is in?")).to_have_attribute("title", "Read by 1 of 2, delivered to 2 of 2")
    assert detail_of_tick(ann, "who is in?") == "Read by 1 of 2"

    cat.open_conversation("Trip")
    expect(ann.tick("who is in?")).to_have_attribute("data-state", "read")
    assert detail_of_tick(ann, "who is in?") == "Read by 2 of 2"

    ben.send("me")
    cat.send("me too")
    for person in (ann, ben, cat):
        expect(person.message("me too")).to_be_visible()
        assert person.bodies() == ["who is in?", "me", "me too"]
    expect(ann.message("me").locator(".sender")).to_have_text(ben.handle)
    expect(ann.message("me too").locator(".sender")).to_have_text(cat.handle)


def test_an_admin_renames_removes_and_adds_back_and_a_member_leaves(people: People) -> None:
    ann, ben, cat = (people(name).register() for name in ("ann", "ben", "cat"))
    ann.create_group("Book club", [ben, cat])
    expect(ben.inbox_row("Book club")).to_be_visible()
    expect(cat.inbox_row("Book club")).to_be_visible()

    settings = ann.page.get_by_role("dialog", name="Group settings")
    ann.page.get_by_role("button", name="Group settings").click()
    settings.get_by_label("Group name").fill("Reading circle")
    settings.get_by_role("button", name="Rename").click()
    expect(ben.inbox_row("Reading circle")).to_be_visible()

    expect(settings.get_by_role("heading", name="Members (3)")).to_be_visible()
    settings.get_by_role("button", name=f"Remove {cat.handle}").click()
    expect(settings.get_by_role("heading", name="Members (2)")).to_be_visible()
    expect(cat.inbox_row("Reading circle")).to_have_count(0)

    settings.get_by_label("Add someone by handle").fill(cat.handle)
    settings.get_by_role("button", name="Add", exact=True).click()
    expect(settings.get_by_role("heading", name="Members (3)")).to_be_visible()
    expect(cat.inbox_row("Reading circle")).to_be_visible()
    settings.get_by_role("button", name="Close").click()

    ben.open_conversation("Reading circle")
    ben.page.get_by_role("button", name="Group settings").click()
    ben_settings = ben.page.get_by_role("dialog", name="Group settings")
    expect(ben_settings.get_by_text("Only admins can rename")).to_be_visible()
    ben_settings.get_by_role("button", name="Leave group").click()
    expect(ben.inbox_row("Reading circle")).to_have_count(0)
    expect(ann.conversation_status).to_have_text("2 members, 1 online")


def test_a_handle_nobody_has_is_explained_in_the_new_chat_dialog(people: People) -> None:
    ann = people("ann").register()
    ann.page.get_by_role("button", name="New chat").click()
    ann.page.get_by_label("Their handle").fill("nobody_has_this")
    ann.page.get_by_role("button", name="Start chat").click()
    expect(ann.page.get_by_role("alert")).to_have_text(
        "No one has the handle \u201cnobody_has_this\u201d."
    )
    ann.page.keyboard.press("Escape")
    expect(ann.page.get_by_role("dialog")).to_have_count(0)
