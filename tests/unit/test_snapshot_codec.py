"""Conversation snapshots come back as the conversation they were taken of,
whatever ids users chose."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.auditor import AuditorRole
from domain.conversation import Conversation
from domain.snapshot_codec import SnapshotCodec

AT = datetime(2026, 1, 1, tzinfo=UTC)


def round_trip(conversation: Conversation) -> Conversation:
    codec = SnapshotCodec()
    restored = codec.decode(conversation.id, conversation.version, codec.encode(conversation))
    assert isinstance(restored, Conversation)
    return restored


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
    SnapshotCodec().encode(chat)
    assert chat.recent_client_ids == {"ann": {"c1": (11, 1)}}


def test_an_auditor_role_comes_back_with_its_version_state_and_chain_head() -> None:
    role = AuditorRole("eve")
    for event in role.grant("admin", AT):
        role.apply(event)
    codec = SnapshotCodec()
    restored = codec.decode(role.id, role.version, codec.encode(role))
    assert isinstance(restored, AuditorRole)
    assert (restored.id, restored.version, restored.active, restored.last_hash) == (
        role.id,
        1,
        True,
        role.last_hash,
    )
