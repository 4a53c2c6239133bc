"""Edits, deletions, reactions, replies and search in the page, seen by
the other person, on the real stack."""

from __future__ import annotations

import re

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import People
from tests.browser.person import Person


def chatting(people: People) -> tuple[Person, Person]:
    ann, ben = people("ann").register(), people("ben").register()
    ann.start_chat_with(ben)
    ben.open_conversation(ann.handle)
    return ann, ben


def test_an_edit_is_seen_by_the_other_with_an_edited_marker(people: People) -> None:
    ann, ben = chatting(people)
    ann.send("see you at 5")
    expect(ben.message("see you at 5")).to_be_visible()
    ann.message_action("see you at 5", "Edit message")
    expect(ann.composer).to_have_value("see you at 5")
    expect(ann.page.get_by_text("Editing your message")).to_be_visible()
    ann.composer.fill("see you at 6")
    ann.composer.press("Enter")
    expect(ben.message("see you at 6").locator(".edited")).to_have_text("(edited)")
    expect(ben.message("see you at 5")).to_have_count(0)
    expect(ann.message("see you at 6").locator(".edited")).to_have_text("(edited)")


def test_a_deletion_leaves_a_tombstone_on_both_sides(people: People) -> None:
    ann, ben = chatting(people)
    ann.send("oops, wrong chat")
    expect(ben.message("oops, wrong chat")).to_be_visible()
    ann.message_action("oops, wrong chat", "Delete message")
    ann.page.get_by_role("button", name="Delete for everyone").click()
    for someone in (ann, ben):
        expect(someone.message("Message deleted")).to_have_class(re.compile(r"\bdeleted\b"))
        expect(someone.page.get_by_text("oops, wrong chat")).to_have_count(0)
    expect(
        ben.message("Message deleted").get_by_role("button", name="Message actions")
    ).to_be_hidden()


def test_a_reaction_count_appears_for_the_other_with_who_reacted(people: People) -> None:
    ann, ben = chatting(people)
    ann.send("lunch?")
    ben.message_action("lunch?", "React with \U0001f44d")
    reaction = ann.message("lunch?").locator("button.reaction")
    expect(reaction).to_have_text("\U0001f44d 1")
    expect(reaction).to_have_attribute("aria-label", f"\U0001f44d 1: {ben.handle}")
    expect(reaction).to_have_attribute("title", ben.handle)
    ann.message("lunch?").locator("button.reaction").click()  # ann adds hers
    expect(ben.message("lunch?").locator("button.reaction")).to_have_text("\U0001f44d 2")
    expect(ben.message("lunch?").locator("button.reaction")).to_have_attribute(
        "aria-pressed", "true"
    )
    ben.message("lunch?").locator("button.reaction").click()  # ben takes his back
    expect(ann.message("lunch?").locator("button.reaction")).to_have_attribute(
        "aria-label", "\U0001f44d 1: You"
    )


def test_a_reply_shows_its_quote_even_after_the_original_is_edited_then_deleted(
    people: People,
) -> None:
    ann, ben = chatting(people)
    ann.send("who brings the cake?")
    ben.message_action("who brings the cake?", "Reply")
    expect(ben.page.get_by_text(f"Replying to {ann.handle}: who brings the cake?")).to_be_visible()
    ben.send("I do")
    quote = ann.message("I do").locator(".quote")
    expect(quote).to_have_text("You: who brings the cake?")
    expect(ben.message("I do").locator(".quote")).to_have_text(
        f"{ann.handle}: who brings the cake?"
    )

    ann.message_action("who brings the cake?", "Edit message")
    ann.composer.fill("who brings the pie?")
    ann.composer.press("Enter")
    expect(ben.message("I do").locator(".quote")).to_have_text(f"{ann.handle}: who brings the pie?")
    ann.message_action("who brings the pie?", "Delete message")
    ann.page.get_by_role("button", name="Delete for everyone").click()
    expect(ben.message("I do").locator(".quote")).to_have_text("Reply to a deleted message")
    expect(quote).to_have_text("Reply to a deleted message")


def test_search_finds_a_word_newest_first_and_marks_it_as_text(people: People) -> None:
    ann, ben = chatting(people)
    word = f"zebra{ann.handle[-6:]}"
    ann.send(f"the {word} is striped")
    ben.send(f"a <b>{word}</b> again")
    expect(ann.message(f"a <b>{word}</b> again")).to_be_visible()
    ann.page.get_by_role("button", name="Search", exact=True).click()
    ann.page.get_by_label("Search for").fill(word)
    ann.page.get_by_label("Search for").press("Enter")
    results = ann.page.get_by_role("list", name="Results").locator("li")
    expect(results).to_have_count(2)
    expect(results.nth(0)).to_contain_text(f"a <b>{word}</b> again")  # newest first
    expect(results.nth(1)).to_contain_text(f"the {word} is striped")
    expect(results.nth(0).locator("mark")).to_have_text(word)
    expect(results.locator("b")).to_have_count(0)  # the body is text, not HTML
    expect(ann.page.get_by_role("status").filter(has_text="found")).to_have_text(
        "2 messages found."
    )
    results.nth(1).get_by_role("button").click()
    expect(ann.conversation_title).to_have_text(ben.handle)
    expect(ann.page.locator("dialog[open]")).to_have_count(0)


def test_search_pages_with_more_results_until_the_last(people: People) -> None:
    ann, ben = chatting(people)
    word = f"kiwi{ann.handle[-6:]}"
    conversation_id = ann.inbox_row(ben.handle).get_attribute("data-conversation-id")
    token = ann.page.evaluate("() => JSON.parse(sessionStorage.getItem('chat.session')).token")
    with httpx.Client(base_url=ann.base_url, headers={"Authorization": f"Bearer {token}"}) as http:
        for n in range(21):
            body = {"client_msg_id": f"{word}-{n}", "body": f"{word} number {n}"}
            sent = http.post(f"/v1/conversations/{conversation_id}/messages", json=body)
            assert sent.status_code == 202, sent.text
    expect(ben.message(f"{word} number 20")).to_be_visible()
    ann.page.get_by_role("button", name="Search", exact=True).click()
    ann.page.get_by_label("Search for").fill(word)
    ann.page.get_by_label("Search for").press("Enter")
    results = ann.page.get_by_role("list", name="Results").locator("li")
    expect(results).to_have_count(20)
    expect(results.first).to_contain_text(f"{word} number 20")
    ann.page.get_by_role("button", name="More results").click()
    expect(results).to_have_count(21)
    expect(results.last).to_contain_text(f"{word} number 0")
    expect(ann.page.get_by_role("button", name="More results")).to_be_hidden()
    expect(ann.page.get_by_role("status").filter(has_text="found")).to_have_text(
        "21 messages found."
    )


def test_changes_made_while_one_was_offline_show_after_reconnecting(people: People) -> None:
    ann, ben = chatting(people)
    ann.send("meet at noon")
    ann.send("bring water")
    expect(ben.message("bring water")).to_be_visible()
    ben.context.set_offline(True)
    expect(ben.connection_line).to_have_text("Reconnecting\u2026 (no network)")
    ann.message_action("meet at noon", "Edit message")
    ann.composer.fill("meet at one")
    ann.composer.press("Enter")
    ann.message_action("bring water", "Delete message")
    ann.page.get_by_role("button", name="Delete for everyone").click()
    expect(ann.message("meet at one").locator(".edited")).to_have_text("(edited)")
    expect(ann.message("Message deleted")).to_be_visible()
    ben.context.set_offline(False)
    expect(ben.message("meet at one").locator(".edited")).to_have_text("(edited)")
    expect(ben.message("Message deleted")).to_be_visible()
    expect(ben.page.get_by_text("bring water")).to_have_count(0)
