"""Conversation snapshots <-> bytes, through eventsourcing's Snapshot and
the same Mapper settings as events (JSON, optional zlib and AES).

A snapshot holds an aggregate's whole state at one version; the decider
restores from it and applies only the events after that version.
"""

from __future__ import annotations

import uuid

from eventsourcing.domain import Snapshot
from eventsourcing.persistence import Cipher, Compressor, Mapper, StoredEvent
from eventsourcing.utils import get_topic

from domain.codec import json_transcoder
from domain.conversation import Conversation

_SNAPSHOT_TOPIC = get_topic(Snapshot)


class SnapshotCodec:
    def __init__(self, cipher: Cipher | None = None, compressor: Compressor | None = None):
        self._mapper: Mapper[uuid.UUID] = Mapper(
            transcoder=json_transcoder(), cipher=cipher, compressor=compressor
        )

    def encode(self, snapshot: Snapshot) -> bytes:
        return self._mapper.to_stored_event(snapshot).state

    def decode(self, conversation_id: uuid.UUID, version: int, state: bytes) -> Conversation:
        stored = StoredEvent(
            originator_id=conversation_id,
            originator_version=version,
            topic=_SNAPSHOT_TOPIC,
            state=state,
        )
        snapshot = self._mapper.to_domain_event(stored)
        if not isinstance(snapshot, Snapshot):
            raise ValueError(f"not a snapshot: {type(snapshot).__name__}")
        conversation = snapshot.mutate(None)
        if not isinstance(conversation, Conversation):
            raise ValueError(f"not a conversation snapshot: {snapshot.topic}")
        if "senders" not in vars(conversation):
            raise ValueError("a snapshot from before message changes: delete it, replay instead")
        # JSON has no tuples (the dedupe windows come back as lists) and no
        # integer keys (the seqs of deletions and reactions come back as text).
        conversation.recent_client_ids = {
            sender: {cmid: (int(ids[0]), int(ids[1])) for cmid, ids in window.items()}
            for sender, window in conversation.recent_client_ids.items()
        }
        conversation.deleted = {int(seq): by for seq, by in conversation.deleted.items()}
        conversation.reactions = {
            int(seq): by_emoji for seq, by_emoji in conversation.reactions.items()
        }
        return conversation
