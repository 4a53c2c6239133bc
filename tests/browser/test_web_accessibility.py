"""axe-core finds no serious or critical violation on any screen, and the page
is usable from the keyboard alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.chromium import PHONE
from tests.browser.conftest import People
from tests.support import media_files

AXE = Axe()
BLOCKING = {"serious", "critical"}


def blocking_violations(page: Page) -> list[tuple[str, str, list[Any]]]:
    """axe-core (the copy axe-playwright-python carries) run in the page."""
    results = AXE.run(page, options={"resultTypes": ["violations"]})
    return [
        (violation["id"], violation["impact"], [node["target"] for node in violation["nodes"]])
        for violation in results.response["violations"]
        if violation["impact"] in BLOCKING
    ]


def test_no_screen_has_a_serious_accessibility_violation(people: People) -> None:
    ann, ben, cat = people("ann"), people("ben").register(), people("cat").register()
    found = {"login": blocking_violations(ann.page)}
    ann.page.get_by_role("button", name="Create an account").click()
    found["register"] = blocking_violations(ann.page)
    ann.page.get_by_role("button", name="Log in instead").click()
    ann.register()
    found["empty inbox"] = blocking_violations(ann.page)

    ann.start_chat_with(ben)
    ann.send("hello")
    ben.open_conversation(ann.handle)
    ben.send("hi, how are you?")
    ann.create_group("Team", [ben, cat])
    ann.send("a group message")
    cat.open_conversation("Team")
    expect(ann.tick("a group message")).to_have_attribute("data-state", "delivered")
    found["group conversation"] = blocking_violations(ann.page)
    ann.open_conversation(ben.handle)
    expect(ann.message("hi, how are you?")).to_be_visible()
    found["direct conversation"] = blocking_violations(ann.page)

    ann.open_conversation("Team")
    ann.page.get_by_role("button", name="Group settings").click()
    expect(ann.page.get_by_role("dialog")).to_be_visible()
    found["group settings"] = blocking_violations(ann.page)
    ann.page.keyboard.press("Escape")
    ann.page.get_by_role("button", name="New group").click()
    found["new group"] = blocking_violations(ann.page)
    ann.page.keyboard.press("Escape")

    ann.page.set_viewport_size(PHONE)
    found["phone conversation"] = blocking_violations(ann.page)
    ann.page.get_by_role("button", name="Back to conversations").click()
    found["phone inbox"] = blocking_violations(ann.page)
    assert {screen: v for screen, v in found.items() if v} == {}


def test_a_person_logs_in_starts_a_chat_and_sends_with_the_keyboard_only(people: People) -> None:
    ann, ben = people("ann"), people("ben").register()
    ann.register_by_api()
    keys = ann.page.keyboard
    expect(ann.page.get_by_label("Handle")).to_be_focused()
    keys.type(ann.handle)
    keys.press("Tab")
    keys.type("correct horse battery")
    keys.press("Enter")
    ann.expect_signed_in()

    new_chat = ann.page.get_by_role("button", name="New chat")
    for _ in range(10):
        if new_chat.evaluate("button => button === document.activeElement"):
            break
        keys.press("Tab")
    expect(new_chat).to_be_focused()
    keys.press("Enter")
    expect(ann.page.get_by_label("Their handle")).to_be_focused()
    keys.type(ben.handle)
    keys.press("Enter")
    expect(ann.composer).to_be_focused()
    keys.type("sent from the keyboard")
    keys.press("Enter")
    expect(ben.inbox_row(ann.handle).locator(".item-last-text")).to_have_text(
        "sent from the keyboard"
    )

    keys.press("Escape")  # back to the inbox, on the conversation's row
    row = ann.inbox_row(ben.handle).get_by_role("button")
    expect(row).to_be_focused()
    keys.press("Enter")
    expect(ann.composer).to_be_focused()


def test_message_controls_media_search_and_their_dialogs_have_no_serious_violation(
    people: People, screenshots: Path
) -> None:
    ann, ben = people("ann").register(), people("ben").register()
    ann.start_chat_with(ben)
    ben.open_conversation(ann.handle)
    ann.composer.fill("Look where we are!")
    ann.attach("lake.jpg", "image/jpeg", media_files.jpeg_with_gps())
    photo = ben.page.get_by_role("img", name="Photo")
    expect(photo).to_be_visible()
    photo.evaluate("image => image.decode()")
    ben.message_action("Look where we are!", "React with \u2764\ufe0f")
    ann.message_action("Look where we are!", "React with \u2764\ufe0f")
    ben.message_action("Look where we are!", "Reply")
    found = {"replying": blocking_violations(ben.page)}
    ben.send("So jealous! Is the water warm?")
    expect(ann.message("So jealous! Is the water warm?").locator(".quote")).to_be_visible()
    ann.message_action("So jealous! Is the water warm?", "React with \U0001f602")
    expect(ben.message("Look where we are!").locator("button.reaction")).to_have_text(
        "\u2764\ufe0f 2"
    )
    ben.message("So jealous! Is the water warm?").get_by_role(
        "button", name="Message actions"
    ).click()
    found["conversation with media, reactions, a reply and actions"] = blocking_violations(ben.page)
    ben.page.screenshot(path=screenshots / "conversation-media.png")
    ben.page.keyboard.press("Escape")

    ben.page.get_by_role("button", name="Open photo").click()
    found["lightbox"] = blocking_violations(ben.page)
    ben.page.keyboard.press("Escape")
    ben.message_action("So jealous! Is the water warm?", "Delete message")
    found["delete dialog"] = blocking_violations(ben.page)
    ben.page.keyboard.press("Escape")
    ben.page.get_by_role("button", name="Search", exact=True).click()
    ben.page.get_by_label("Search for").fill("warm")
    ben.page.get_by_label("Search for").press("Enter")
    expect(ben.page.locator(".search-results mark")).to_have_text("warm")
    found["search results"] = blocking_violations(ben.page)
    ben.page.get_by_role("button", name="Close").click()

    ben.page.set_viewport_size(PHONE)
    expect(ben.message("Look where we are!")).to_be_visible()
    found["phone conversation with media"] = blocking_violations(ben.page)
    assert ben.page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    ben.page.screenshot(path=screenshots / "phone-media.png")
    assert {screen: v for screen, v in found.items() if v} == {}


def test_reacting_replying_editing_and_searching_work_from_the_keyboard(people: People) -> None:
    ann, ben = people("ann").register(), people("ben").register()
    ann.start_chat_with(ben)
    ben.open_conversation(ann.handle)
    ben.send("keyboard only")
    keys = ann.page.keyboard
    actions = ann.message("keyboard only").get_by_role("button", name="Message actions")
    ann.composer.focus()
    for _ in range(40):
        if actions.evaluate("button => button === document.activeElement"):
            break
        keys.press("Shift+Tab")
    expect(actions).to_be_focused()
    keys.press("Enter")
    keys.press("Tab")  # Reply
    keys.press("Tab")  # the first emoji
    expect(ann.page.get_by_role("button", name="React with \U0001f44d")).to_be_focused()
    keys.press("Enter")
    expect(ben.message("keyboard only").locator("button.reaction")).to_have_text("\U0001f44d 1")

    expect(actions).to_be_focused()  # back on the toggle after acting
    keys.press("Enter")
    keys.press("Tab")
    expect(ann.message("keyboard only").get_by_role("button", name="Reply")).to_be_focused()
    keys.press("Enter")
    expect(ann.composer).to_be_focused()
    keys.type("answered from the keyboard")
    keys.press("Enter")
    expect(ben.message("answered from the keyboard").locator(".quote")).to_have_text(
        "You: keyboard only"
    )

    mine = ann.message("answered from the keyboard").get_by_role("button", name="Message actions")
    mine.focus()
    keys.press("Enter")
    edit = ann.message("answered from the keyboard").get_by_role("button", name="Edit message")
    edit.focus()
    keys.press("Enter")
    expect(ann.composer).to_have_value("answered from the keyboard")
    keys.press("Escape")  # stops editing, stays in the conversation
    expect(ann.composer).to_have_value("")
    expect(ann.conversation_title).to_be_visible()
    expect(ann.page.get_by_text("Editing your message")).to_be_hidden()

    ann.page.get_by_role("button", name="Search", exact=True).focus()
    keys.press("Enter")
    expect(ann.page.get_by_label("Search for")).to_be_focused()
    keys.type("keyboard")
    keys.press("Enter")
    first = ann.page.locator(".search-hit").first
    expect(first).to_contain_text("answered from the keyboard")
    keys.press("Tab")
    keys.press("Tab")
    expect(first).to_be_focused()
    keys.press("Enter")
    expect(ann.page.locator("dialog[open]")).to_have_count(0)
