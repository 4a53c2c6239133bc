"""Edits, deletions, reactions and replies: the in-memory and PostgreSQL
read models answer alike (history, inbox, sync's changed messages)."""

from __future__ import annotations

from typing import Any

from domain.conversation import Conversation
from projections.ports import Audience
from tests.contract.read_model_fixtures import Feed, ReadModels, at, seen_by


def history(models: ReadModels, conversation: Conversation, viewer: str = "bob") -> list[Any]:
    page = models.ask(
        lambda q: q.messages(str(conversation.id), after_seq=0, limit=50, viewer=viewer)
    )
    return list(page.messages)


def chat_with_two_messages(feed: Feed) -> Conversation:
    conversation = feed.group("ann", ["bob"])
    feed.post(conversation, "ann", body="first words")
    feed.post(conversation, "bob", body="second words")
    return conversation


def test_an_edit_replaces_the_body_and_marks_the_message_edited(
    models: ReadModels, feed: Feed
) -> None:
    conversation = chat_with_two_messages(feed)
    conversation.edit_message("ann", 1, "better words", at(5))
    [audience] = feed.pending_events(conversation)
    first = history(models, conversation)[0]
    assert (first["seq"], first["body"], first["edited"]) == (1, "better words", True)
    assert first["edited_at"] == at(5).isoformat()
    assert isinstance(audience, Audience)
    assert sorted(audience.user_ids) == ["ann", "bob"]
    assert audience.message is not None and audience.message["body"] == "better words"


def test_a_deleted_message_keeps_its_seq_as_a_tombstone_without_body(
    models: ReadModels, feed: Feed
) -> None:
    conversation = chat_with_two_messages(feed)
    conversation.react("bob", 1, "👍", at(4))
    conversation.delete_message("ann", 1, at(5))
    feed.pending_events(conversation)
    first, second = history(models, conversation)
    assert (first["seq"], first["deleted"], first["body"], first["reactions"]) == (1, True, "", [])
    assert first["deleted_at"] == at(5).isoformat()
    assert second["body"] == "second words"


def test_deleting_the_last_message_shows_the_tombstone_in_the_inbox_and_keeps_unread(
    models: ReadModels, feed: Feed
) -> None:
    conversation = chat_with_two_messages(feed)
    conversation.delete_message("bob", 2, at(5))
    feed.pending_events(conversation)
    seen = seen_by(models, conversation, "ann")
    assert seen is not None
    assert (seen["last_seq"], seen["unread_count"], seen["last_change_seq"]) == (2, 1, 1)
    assert (seen["last_message"]["deleted"], seen["last_message"]["body"]) == (True, "")


def test_reactions_show_counts_and_who_in_the_order_they_came(
    models: ReadModels, feed: Feed
) -> None:
    conversation = chat_with_two_messages(feed)
    conversation.react("bob", 1, "👍", at(4))
    conversation.react("ann", 1, "👍", at(4))
    conversation.react("ann", 1, "🎉", at(4))
    conversation.unreact("ann", 1, "🎉", at(4))
    feed.pending_events(conversation)
    first = history(models, conversation)[0]
    assert first["reactions"] == [{"emoji": "👍", "count": 2, "user_ids": ["bob", "ann"]}]
    assert first["change_seq"] == 4


def test_a_reply_carries_the_quote_of_the_original_as_it_is_now(
    models: ReadModels, feed: Feed
) -> None:
    conversation = chat_with_two_messages(feed)
    conversation.post_message("bob", "r1", 77, "agreed", at(4), reply_to=1)
    [posted] = feed.pending_events(conversation)
    assert posted.message["reply_to"]["body"] == "first words"
    conversation.edit_message("ann", 1, "changed words", at(5))
    feed.pending_events(conversation)
    assert history(models, conversation)[2]["reply_to"]["body"] == "changed words"
    conversation.delete_message("ann", 1, at(6))
    feed.pending_events(conversation)
    quote = history(models, conversation)[2]["reply_to"]
    assert (quote["seq"], quote["deleted"], quote["body"]) == (1, True, "")


def test_changed_messages_come_in_change_order_after_the_cursor(
    models: ReadModels, feed: Feed
) -> None:
    conversation = chat_with_two_messages(feed)
    conversation.edit_message("bob", 2, "fixed", at(4))
    conversation.react("ann", 1, "👍", at(4))
    conversation.react("bob", 2, "👍", at(4))
    feed.pending_events(conversation)
    conversation_id = str(conversation.id)
    changed = models.ask(lambda q: q.changed_messages(conversation_id, 1, 2, 50, "ann"))
    assert [(m["seq"], m["change_seq"]) for m in changed] == [(1, 2), (2, 3)]
    below = models.ask(lambda q: q.changed_messages(conversation_id, 0, 1, 50, "ann"))
    assert [m["seq"] for m in below] == [1]


def test_a_change_projected_twice_is_applied_once(models: ReadModels, feed: Feed) -> None:
    conversation = chat_with_two_messages(feed)
    conversation.react("bob", 1, "👍", at(4))
    event = conversation.collect_events()[-1]
    assert isinstance(event, Conversation.ReactionAdded)
    feed.view.reaction_added(event, feed.next_position())
    again = feed.view.reaction_added(event, feed.next_position())
    assert again.message is None
    assert history(models, conversation)[0]["reactions"][0]["count"] == 1
