"""axe-core finds no serious or critical violation on any screen, and the page
is usable from the keyboard alone."""

from __future__ import annotations

from typing import Any

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.chromium import PHONE
from tests.browser.conftest import People

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
