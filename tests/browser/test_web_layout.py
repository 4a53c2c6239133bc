"""The page on a desktop (inbox beside the conversation) and on a phone (one
pane at a time, taps instead of hovers). Saves the screenshots that
docs/client.md shows."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.browser.conftest import People
from tests.browser.person import Person


def fits_the_width(page: Page) -> bool:
    fits: bool = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    return fits


def chat_of_three(people: People, phone: bool) -> tuple[Person, Person, Person]:
    ann, ben, cat = people("ann", phone=phone), people("ben"), people("cat")
    for person in (ann, ben, cat):
        person.register()
    ben.start_chat_with(ann)
    ben.send("Are we still on for Saturday?")
    if not phone:
        ann.open_conversation(ben.handle)
    cat.create_group("Weekend plans", [ann, ben])
    cat.send("I will bring snacks")
    cat.send("Who has the tickets?")
    return ann, ben, cat


def test_the_phone_layout_shows_one_pane_at_a_time(people: People, screenshots: Path) -> None:
    ann, ben, _ = chat_of_three(people, phone=True)
    inbox, pane = ann.page.locator(".inbox-pane"), ann.page.locator(".conversation-pane")
    expect(ann.inbox_row("Weekend plans").locator(".badge")).to_have_text("2 unread")
    expect(pane).to_be_hidden()
    assert fits_the_width(ann.page)
    ann.page.screenshot(path=screenshots / "phone-inbox.png")

    ann.inbox_row("Weekend plans").get_by_role("button").tap()
    expect(inbox).to_be_hidden()
    expect(ann.message("Who has the tickets?")).to_be_visible()
    ann.composer.fill("I have them")
    ann.page.get_by_role("button", name="Send").tap()
    ben.open_conversation("Weekend plans")
    expect(ann.tick("I have them")).to_have_attribute("data-state", "read")
    ann.tick("I have them").tap()
    expect(ann.message("I have them").locator(".receipt-detail")).to_have_text("Read by 2 of 2")
    assert fits_the_width(ann.page)
    ann.page.screenshot(path=screenshots / "phone-conversation.png")

    ann.page.get_by_role("button", name="Back to conversations").tap()
    expect(pane).to_be_hidden()
    expect(ann.inbox_row("Weekend plans").locator(".badge")).to_be_hidden()


def test_the_desktop_layout_shows_the_inbox_beside_the_conversation(
    people: People, screenshots: Path
) -> None:
    ann, ben, _ = chat_of_three(people, phone=False)
    ann.send("Yes! 10 am at the station.")
    expect(ben.message("Yes! 10 am at the station.")).to_be_visible()
    expect(ann.tick("Yes! 10 am at the station.")).to_have_attribute("data-state", "read")
    expect(ann.inbox_row("Weekend plans").locator(".badge")).to_have_text("2 unread")
    expect(ann.page.locator(".inbox-pane")).to_be_visible()
    expect(ann.page.locator(".conversation-pane")).to_be_visible()
    expect(ann.page.get_by_role("button", name="Back to conversations")).to_be_hidden()
    ben.composer.press_sequentially("See you")
    expect(ann.page.locator(".typing")).to_have_text(f"{ben.handle} is typing\u2026")
    ann.page.screenshot(path=screenshots / "inbox.png")
