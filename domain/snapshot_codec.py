"""Conversation and relationship snapshots <-> bytes, through
eventsourcing's Snapshot and the same Mapper settings as events (JSON,
optional zlib and AES). A Relationship (a plain class, not an
eventsourcing Aggregate) is snapshotted as its pair and state.

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
from domain.relationship import Relationship, RelationshipState

_SNAPSHOT_TOPIC = get_topic(Snapshot)
_RELATIONSHIP_TOPIC = get_topic(Relationship)


def relationship_snapshot(relationship: Relationship) -> Snapshot:
    """The pair and its state at its version, JSON-able."""
    return Snapshot(
        originator_id=relationship.id,
        originator_version=relationship.version,
        timestamp=Snapshot.create_timestamp(),
        topic=_RELATIONSHIP_TOPIC,
        state={
            "users": list(relationship.users),
            "friends": relationship.friends,
            "requested_by": relationship.requested_by,
            "blocked_by": sorted(relationship.blocked_by),
        },
    )


def _relationship(snapshot: Snapshot) -> Relationship:
    state = snapshot.state
    first, second = state["users"]
    held = RelationshipState(
        state["friends"], state["requested_by"], frozenset(state["blocked_by"])
    )
    return Relationship(first, second, held, version=snapshot.originator_version)


class SnapshotCodec:
    def __init__(self, cipher: Cipher | None = None, compressor: Compressor | None = None):
        self._mapper: Mapper[uuid.UUID] = Mapper(
            transcoder=json_transcoder(), cipher=cipher, compressor=compressor
        )

    def encode(self, snapshot: Snapshot) -> bytes:
        return self._mapper.to_stored_event(snapshot).state

    def encode_aggregate(self, aggregate: Conversation | Relationship) -> bytes:
        if isinstance(aggregate, Relationship):
            return self.encode(relationship_snapshot(aggregate))
        return self.encode(Snapshot.take(aggregate))

    def decode(
        self, conversation_id: uuid.UUID, version: int, state: bytes
    ) -> Conversation | Relationship:
        stored = StoredEvent(
            originator_id=conversation_id,
            originator_version=version,
            topic=_SNAPSHOT_TOPIC,
            state=state,
        )
        snapshot = self._mapper.to_domain_event(stored)
        if not isinstance(snapshot, Snapshot):
            raise ValueError(f"not a snapshot: {type(snapshot).__name__}")
        if snapshot.topic == _RELATIONSHIP_TOPIC:
            return _relationship(snapshot)
        conversation = snapshot.mutate(None)
        if not isinstance(conversation, Conversation):
            raise ValueError(f"not a conversation snapshot: {snapshot.topic}")
        # JSON has no tuples: the dedupe windows come back as lists.
        conversation.recent_client_ids = {
            sender: {cmid: (int(ids[0]), int(ids[1])) for cmid, ids in window.items()}
            for sender, window in conversation.recent_client_ids.items()
        }
        return conversation
