"""Conversation snapshots come back as the conversation they were taken of,
whatever ids users chose."""

from __future__ import annotations

from datetime import UTC, datetime

from eventsourcing.domain import Snapshot

from domain.conversation import Conversation
from domain.snapshot_codec import SnapshotCodec

AT = datetime(2026, 1, 1, tzinfo=UTC)


def round_trip(conversation: Conversation) -> Conversation:
    codec = SnapshotCodec()
    state = codec.encode(Snapshot.take(conversation))
    return codec.decode(conversation.id, conversation.version, state)


def test_a_restored_conversation_has_the_state_it_was_taken_with() -> None:
    chat = Conversation.start_direct("ann", "bob", AT)
    chat.post_message("ann", "c1", 11, "hi", AT)
    chat.mark_read("bob", 1, AT)
    chat.collect_events()
    restored = round_trip(chat)
    assert (restored.__dict__, restored.version) == (chat.__dict__, chat.version)


def test_client_message_ids_that_look_like_typed_json_values_survive() -> None:
    chat = Conversation.start_direct("ann", "bob", AT)
    chat.post_message("ann", "_type_", 11, "one", AT)
    chat.post_message("ann", "_data_", 12, "two", AT)
    assert round_trip(chat).recent_client_ids == {"ann": {"_type_": (11, 1), "_data_": (12, 2)}}


def test_taking_a_snapshot_leaves_the_live_conversation_as_it_was() -> None:
    chat = Conversation.start_direct("ann", "bob", AT)
    chat.post_message("ann", "c1", 11, "hi", AT)
    SnapshotCodec().encode(Snapshot.take(chat))
    assert chat.recent_client_ids == {"ann": {"c1": (11, 1)}}
