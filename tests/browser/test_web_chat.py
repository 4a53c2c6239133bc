"""Two people chat in the page, each in their own browser, on the real stack."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Request, expect

from tests.browser.conftest import People


def test_two_people_register_chat_both_ways_and_see_sent_then_delivered_then_read(
    people: People, screenshots: Path
) -> None:
    ann, ben = people("ann").register(), people("ben").register()
    ben.page.close()  # ben has no page open: nothing can be delivered to him
    ann.start_chat_with(ben)
    ann.send("hi ben")
    expect(ann.tick("hi ben")).to_have_attribute("data-state", "sent")
    expect(ann.tick("hi ben")).to_have_attribute("title", "Sent")

    ben.new_page()  # a new tab: logged out, so ben logs in
    ben.log_in()
    row = ben.inbox_row(ann.handle)
    expect(row.locator(".badge")).to_have_text("1 unread")
    expect(row.locator(".item-last-text")).to_have_text("hi ben")
    expect(ann.tick("hi ben")).to_have_attribute("data-state", "delivered")

    ben.open_conversation(ann.handle)
    expect(ann.tick("hi ben")).to_have_attribute("data-state", "read")
    expect(row.locator(".badge")).to_be_hidden()

    ben.send("hello ann")
    expect(ann.message("hello ann")).to_be_visible()
    expect(ben.tick("hello ann")).to_have_attribute("data-state", "read")
    assert ann.bodies() == ["hi ben", "hello ann"] == ben.bodies()
    ann.page.screenshot(path=screenshots / "conversation.png")


def test_the_inbox_keeps_unread_badges_and_last_messages_live(people: People) -> None:
    ann, ben = people("ann").register(), people("ben").register()
    ann.start_chat_with(ben)
    row = ben.inbox_row(ann.handle)
    for count, body in enumerate(["one", "two", "three"], start=1):
        ann.send(body)
        expect(row.locator(".item-last-text")).to_have_text(body)
        expect(row.locator(".badge")).to_have_text(f"{count} unread")
    expect(ann.inbox_row(ben.handle).locator(".item-last-text")).to_have_text("You: three")
    ben.open_conversation(ann.handle)
    expect(row.locator(".badge")).to_be_hidden()


def test_one_sees_the_other_typing_then_offline_after_closing_the_page(people: People) -> None:
    ann, ben = people("ann").register(), people("ben").register()
    ann.start_chat_with(ben)
    ben.open_conversation(ann.handle)
    expect(ann.conversation_status).to_have_text("online")
    expect(ann.inbox_row(ben.handle).locator(".presence-dot")).to_have_class(
        re.compile(r"\bonline\b")
    )

    ben.composer.press_sequentially("typing a long thought")
    expect(ann.page.locator(".typing")).to_have_text(f"{ben.handle} is typing\u2026")

    ben.page.close()
    expect(ann.conversation_status).to_have_text("last seen just now")
    expect(ann.inbox_row(ben.handle).locator(".presence-dot")).to_have_class(
        re.compile(r"\boffline\b")
    )


def test_history_is_paged_in_as_the_person_scrolls_back(people: People) -> None:
    ann, ben = people("ann"), people("ben")
    ann_http = ann.register_by_api()
    ben.register_by_api()
    started = ann_http.post("/v1/conversations", json={"kind": "direct", "peer_id": ben.user_id})
    conversation = started.json()["conversation_id"]
    bodies = [f"message {n:03}" for n in range(1, 131)]
    for n, body in enumerate(bodies):
        sent = ann_http.post(
            f"/v1/conversations/{conversation}/messages",
            json={"client_msg_id": f"seed-{n}", "body": body},
        )
        assert sent.status_code == 202, sent.text
    pages: list[str] = []

    def note_page(request: Request) -> None:
        if "/messages?" in request.url:
            pages.append(request.url)

    ben.page.on("request", note_page)
    ben.log_in()
    ben.open_conversation(ann.handle)
    expect(ben.message("message 130")).to_be_visible()
    assert "message 001" not in ben.bodies()

    status = ben.page.locator(".history-status")
    oldest = ben.page.locator(".message").first
    while status.inner_text() != "Start of the conversation":
        shown = oldest.get_attribute("data-seq") or ""
        ben.page.locator(".messages").evaluate("scroller => { scroller.scrollTop = 0; }")
        expect(oldest).not_to_have_attribute("data-seq", shown)
    assert ben.bodies() == bodies
    assert len([url for url in pages if "before_seq=" in url]) >= 2
