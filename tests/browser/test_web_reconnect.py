"""The page loses its connection and comes back: it shows "Reconnecting…",
reconnects with backoff, and syncs what it missed, in order."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import People
from tests.e2e.processes import Stack


def test_a_page_cut_off_from_the_network_shows_every_message_in_order_once_back(
    people: People,
) -> None:
    ann, ben = people("ann").register(), people("ben").register()
    ann.start_chat_with(ben)
    ann.send("before the cut")
    ben.open_conversation(ann.handle)
    expect(ben.message("before the cut")).to_be_visible()

    ben.context.set_offline(True)
    expect(ben.connection_line).to_have_text("Reconnecting\u2026 (no network)")
    missed = [f"while away {n}" for n in range(1, 6)]
    for body in missed:
        ann.send(body)
    for body in missed:
        expect(ann.tick(body)).to_have_attribute("data-state", "sent")
    assert ben.bodies() == ["before the cut"]
    ben.send("written while away")
    expect(ben.tick("written while away")).to_have_attribute("data-state", "pending")

    ben.context.set_offline(False)
    ben.expect_connected()
    expect(ben.connection_line).to_have_text("")
    expect(ben.message(missed[-1])).to_be_visible()
    expect(ann.message("written while away")).to_be_visible()
    assert ben.bodies() == ["before the cut", *missed, "written while away"]
    assert ann.bodies() == ben.bodies()
    expect(ann.tick(missed[-1])).to_have_attribute("data-state", "read")
    expect(ben.tick("written while away")).to_have_attribute("data-state", "read")


def test_pages_reconnect_after_the_edge_restarts_and_miss_nothing(
    people: People, web_stack: Stack
) -> None:
    ann, ben = people("ann").register(), people("ben").register()
    ann.start_chat_with(ben)
    ben.open_conversation(ann.handle)
    ann.send("before the restart")
    expect(ben.message("before the restart")).to_be_visible()

    web_stack.processes["edge"].terminate()  # closes every socket with 1001
    web_stack.processes["edge"].wait(timeout=30)
    for person in (ann, ben):
        expect(person.connection_line).to_have_text("Reconnecting\u2026")
    web_stack.start("edge")

    for person in (ann, ben):
        person.expect_connected()
    ann.send("after the restart")
    expect(ben.message("after the restart")).to_be_visible()
    assert ben.bodies() == ["before the restart", "after the restart"]
