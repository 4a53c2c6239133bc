"""Conversation, auditor role and relationship snapshots <-> bytes,
through eventsourcing's Snapshot and the same Mapper settings as events
(JSON, optional zlib and AES).

A snapshot holds an aggregate's whole state at one version; the decider
restores from it and applies only the events after that version.

Every dict in the state is stored as ``{"pairs": [[key, value], ...]}``:
its keys come from users (client message ids, user ids), and the JSON
transcoder would read a dict whose keys are exactly ``_type_`` and
``_data_`` as a typed value.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from eventsourcing.domain import Snapshot
from eventsourcing.persistence import Cipher, Compressor, Mapper, StoredEvent
from eventsourcing.utils import get_topic

from domain.auditor import AuditorRole
from domain.codec import json_transcoder
from domain.conversation import Conversation
from domain.relationship import Relationship, RelationshipState

_SNAPSHOT_TOPIC = get_topic(Snapshot)
_AUDITOR_TOPIC = get_topic(AuditorRole)
_RELATIONSHIP_TOPIC = get_topic(Relationship)
_NO_TIME = datetime(1970, 1, 1, tzinfo=UTC)
"""An auditor role keeps no time; its snapshots carry this one."""

Snapshotted = Conversation | AuditorRole | Relationship
"""What a processor holds per aggregate id, and snapshots."""


class SnapshotCodec:
    def __init__(self, cipher: Cipher | None = None, compressor: Compressor | None = None):
        self._mapper: Mapper[uuid.UUID] = Mapper(
            transcoder=json_transcoder(), cipher=cipher, compressor=compressor
        )

    def encode(self, aggregate: Snapshotted) -> bytes:
        snapshot = _take(aggregate)
        state = {name: _pairs(value) for name, value in snapshot.state.items()}
        return self._mapper.to_stored_event(replace(snapshot, state=state)).state

    def decode(self, conversation_id: uuid.UUID, version: int, state: bytes) -> Snapshotted:
        stored = StoredEvent(
            originator_id=conversation_id,
            originator_version=version,
            topic=_SNAPSHOT_TOPIC,
            state=state,
        )
        snapshot = self._mapper.to_domain_event(stored)
        if not isinstance(snapshot, Snapshot):
            raise ValueError(f"not a snapshot: {type(snapshot).__name__}")
        restored = {name: _dicts(value) for name, value in snapshot.state.items()}
        if snapshot.topic == _AUDITOR_TOPIC:
            return _auditor_role(version, restored)
        if snapshot.topic == _RELATIONSHIP_TOPIC:
            return _relationship(version, restored)
        conversation = replace(snapshot, state=restored).mutate(None)
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


def _pairs(value: Any) -> Any:
    if isinstance(value, dict):
        return {"pairs": [[key, _pairs(item)] for key, item in value.items()]}
    return value


def _dicts(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"pairs"}:
        return {key: _dicts(item) for key, item in value["pairs"]}
    return value


def _take(aggregate: Snapshotted) -> Snapshot:
    if isinstance(aggregate, Conversation):
        return Snapshot.take(aggregate)
    if isinstance(aggregate, Relationship):
        return _relationship_snapshot(aggregate)
    state = {"user_id": aggregate.user_id, "active": aggregate.active, "hash": aggregate.last_hash}
    return Snapshot(
        originator_id=aggregate.id,
        originator_version=aggregate.version,
        timestamp=_NO_TIME,
        topic=_AUDITOR_TOPIC,
        state=state,
    )


def _auditor_role(version: int, state: dict[str, Any]) -> AuditorRole:
    role = AuditorRole(str(state["user_id"]))
    role.version = version
    role.active = bool(state["active"])
    role.last_hash = str(state["hash"])
    return role


def _relationship_snapshot(relationship: Relationship) -> Snapshot:
    """The pair and its state at its version, JSON-able."""
    state = {
        "users": list(relationship.users),
        "friends": relationship.friends,
        "requested_by": relationship.requested_by,
        "blocked_by": sorted(relationship.blocked_by),
    }
    return Snapshot(
        originator_id=relationship.id,
        originator_version=relationship.version,
        timestamp=_NO_TIME,
        topic=_RELATIONSHIP_TOPIC,
        state=state,
    )


def _relationship(version: int, state: dict[str, Any]) -> Relationship:
    first, second = state["users"]
    blocked_by = frozenset(str(user) for user in state["blocked_by"])
    held = RelationshipState(bool(state["friends"]), state["requested_by"], blocked_by)
    return Relationship(str(first), str(second), held, version=version)
