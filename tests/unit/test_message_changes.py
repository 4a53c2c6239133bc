"""Edits, deletions, reactions and replies, decided by the Conversation."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast

import pytest
from eventsourcing.domain import DomainEvent

from domain.codec import EventCodec
from domain.conversation import Conversation
from domain.errors import InvalidCommand, MessageNotFound, NotAMember
from domain.hashchain import ChainLink, chain_payload, first_broken_link
from domain.snapshot_codec import SnapshotCodec

AT = datetime(2026, 1, 1, tzinfo=UTC)


def direct_with_messages() -> Conversation:
    conversation = Conversation.start_direct("alice", "bob", AT)
    conversation.post_message("alice", "c1", 101, "hello", AT)
    conversation.post_message("bob", "c2", 102, "hi", AT)
    return conversation


def group_with_messages() -> Conversation:
    group = Conversation.create_group(uuid.uuid4(), "alice", "team", ["bob", "carol"], AT)
    group.post_message("bob", "c1", 101, "from bob", AT)
    return group


def test_a_sender_edits_their_own_message_with_the_next_change_seq() -> None:
    conversation = direct_with_messages()
    conversation.edit_message("alice", 1, "hello!", AT)
    edited = conversation.collect_events()[-1]
    assert isinstance(edited, Conversation.MessageEdited)
    assert (edited.seq, edited.change_seq, edited.body) == (1, 1, "hello!")
    assert conversation.last_seq == 2


def test_an_edit_of_someone_elses_message_answers_as_for_a_missing_one() -> None:
    conversation = direct_with_messages()
    with pytest.raises(MessageNotFound) as others:
        conversation.edit_message("alice", 2, "mine now", AT)
    with pytest.raises(MessageNotFound) as missing:
        conversation.edit_message("alice", 9, "nothing", AT)
    assert str(others.value) == str(missing.value)


def test_an_edit_of_a_deleted_message_answers_as_for_a_missing_one() -> None:
    conversation = direct_with_messages()
    conversation.delete_message("alice", 1, AT)
    with pytest.raises(MessageNotFound):
        conversation.edit_message("alice", 1, "back", AT)


def test_a_non_member_cannot_change_a_message() -> None:
    with pytest.raises(NotAMember):
        direct_with_messages().react("mallory", 1, "👍", AT)


def test_an_edit_follows_the_body_rules() -> None:
    with pytest.raises(InvalidCommand):
        direct_with_messages().edit_message("alice", 1, "", AT)


def test_a_member_cannot_delete_someone_elses_message_in_a_direct_conversation() -> None:
    with pytest.raises(MessageNotFound):
        direct_with_messages().delete_message("bob", 1, AT)


def test_a_group_admin_deletes_any_message() -> None:
    group = group_with_messages()
    group.delete_message("alice", 1, AT)
    assert group.deleted == {1: "alice"}


def test_a_group_member_who_is_not_admin_cannot_delete_others_messages() -> None:
    with pytest.raises(MessageNotFound):
        group_with_messages().delete_message("carol", 1, AT)


def test_a_deleted_message_cannot_be_deleted_again() -> None:
    conversation = direct_with_messages()
    conversation.delete_message("alice", 1, AT)
    with pytest.raises(MessageNotFound):
        conversation.delete_message("alice", 1, AT)


def test_a_user_keeps_one_reaction_per_emoji_per_message() -> None:
    conversation = direct_with_messages()
    assert conversation.react("bob", 1, "👍", AT)
    assert not conversation.react("bob", 1, "👍", AT)
    assert conversation.react("alice", 1, "👍", AT)
    assert conversation.reactions == {1: {"👍": ["bob", "alice"]}}


def test_taking_a_reaction_back_removes_only_that_users_reaction() -> None:
    conversation = direct_with_messages()
    conversation.react("bob", 1, "👍", AT)
    conversation.react("alice", 1, "👍", AT)
    assert conversation.unreact("bob", 1, "👍", AT)
    assert not conversation.unreact("bob", 1, "👍", AT)
    assert conversation.reactions == {1: {"👍": ["alice"]}}


def test_a_reaction_with_a_space_is_refused() -> None:
    with pytest.raises(InvalidCommand):
        direct_with_messages().react("bob", 1, "a b", AT)


def test_a_reaction_to_a_deleted_message_answers_as_for_a_missing_one() -> None:
    conversation = direct_with_messages()
    conversation.delete_message("bob", 2, AT)
    with pytest.raises(MessageNotFound):
        conversation.react("alice", 2, "👍", AT)


def test_a_reply_is_its_own_event_naming_the_original() -> None:
    conversation = direct_with_messages()
    posted = conversation.post_message("bob", "c3", 103, "re", AT, reply_to=1)
    reply = conversation.collect_events()[-1]
    assert isinstance(reply, Conversation.ReplyPosted)
    assert (reply.reply_to, posted.seq) == (1, 3)


def test_a_reply_to_a_deleted_message_answers_as_for_a_missing_one() -> None:
    conversation = direct_with_messages()
    conversation.delete_message("alice", 1, AT)
    with pytest.raises(MessageNotFound):
        conversation.post_message("bob", "c3", 103, "re", AT, reply_to=1)


def test_changes_are_chained_and_survive_the_codec() -> None:
    conversation = direct_with_messages()
    conversation.post_message("bob", "c3", 103, "re", AT, reply_to=1)
    conversation.edit_message("alice", 1, "edited", AT)
    conversation.react("bob", 1, "🎉", AT)
    conversation.unreact("bob", 1, "🎉", AT)
    conversation.delete_message("bob", 2, AT)
    codec = EventCodec()
    decoded: list[tuple[Any, Mapping[str, str]]] = []
    for event in conversation.collect_events():
        record = codec.encode(cast(DomainEvent, event))
        decoded.append((codec.decode(record.value, record.headers), record.headers))
    links = []
    for event, headers in decoded:
        state = dict(vars(event))
        name = "Started" if headers["event_type"] == "ConversationStarted" else type(event).__name__
        payload = chain_payload(name, headers["aggregate_id"], event.originator_version, state)
        links.append(ChainLink(payload, state["prev_hash"], state["hash"]))
    assert first_broken_link(links) is None
    rebuilt: Any = None
    for event, _ in decoded:
        rebuilt = event.mutate(rebuilt)
    assert isinstance(rebuilt, Conversation)
    assert (rebuilt.deleted, rebuilt.reactions, rebuilt.last_change_seq) == ({2: "bob"}, {}, 4)


def test_message_changes_survive_a_snapshot() -> None:
    conversation = direct_with_messages()
    conversation.react("bob", 1, "👍", AT)
    conversation.delete_message("bob", 2, AT)
    conversation.collect_events()
    codec = SnapshotCodec()
    state = codec.encode(conversation)
    restored = codec.decode(conversation.id, conversation.version, state)
    assert isinstance(restored, Conversation)
    assert restored.senders == ["alice", "bob"]
    assert restored.deleted == {2: "bob"}
    assert restored.reactions == {1: {"👍": ["bob"]}}
    assert restored.last_change_seq == 2
    restored.edit_message("alice", 1, "still editable", AT)
