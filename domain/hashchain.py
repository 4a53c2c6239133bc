"""Per-conversation hash chain: each event links to the hash of the one before.

``hash = sha256(prev_hash || canonical_json(payload))`` where the payload is
what the event says (type, conversation, version and its chained fields).
An auditor recomputes the chain from the log; any change, removal or
reordering breaks the first link after it.

The fields are hashed as the log stores them (their JSON), so a record
verifies from its own bytes whatever its schema version: a version 1
``MessagePosted`` (no ``attachments``) is checked over the fields it was
written with, not over its upcast form. ``class_version``, which
eventsourcing writes into records of a class past version 1, is not hashed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64
_NOT_CHAINED = frozenset({"timestamp", "originator_topic", "prev_hash", "hash", "class_version"})


def canonical_json(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def link_hash(prev_hash: str, payload: Mapping[str, Any]) -> str:
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(canonical_json(payload))
    return digest.hexdigest()


def as_stored(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Fields as their JSON form on the log: values with an ``as_json()``
    (attachments) become that object, tuples become lists."""
    return {name: _stored_value(value) for name, value in fields.items()}


def _stored_value(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_stored_value(item) for item in value]
    as_json = getattr(value, "as_json", None)
    return as_json() if callable(as_json) else value


def chain_payload(
    event_type: str, conversation_id: str, version: int, state: Mapping[str, Any]
) -> dict[str, Any]:
    """The part of an event that the hash chain covers."""
    fields = as_stored({k: v for k, v in state.items() if k not in _NOT_CHAINED})
    fields.pop("originator_id", None)
    fields.pop("originator_version", None)
    return {
        "type": event_type,
        "conversation_id": conversation_id,
        "version": version,
        "fields": fields,
    }


@dataclass(frozen=True)
class ChainLink:
    """What the chain needs of one event."""

    payload: Mapping[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class BrokenLink:
    index: int
    reason: str


def first_broken_link(links: Iterable[ChainLink]) -> BrokenLink | None:
    """Returns the first link that does not follow from the ones before it."""
    expected_prev = GENESIS_HASH
    for index, link in enumerate(links):
        if link.prev_hash != expected_prev:
            return BrokenLink(index, "prev_hash does not match the previous hash")
        if link_hash(link.prev_hash, link.payload) != link.hash:
            return BrokenLink(index, "hash does not match the event content")
        expected_prev = link.hash
    return None


ALTERED = "altered"
"""An event's content does not match its own hash."""
BROKEN = "broken"
"""An event's prev_hash is not the hash of the event before it."""
REORDERED = "reordered"
"""An event comes before one that should precede it (a lower version comes later)."""
MISSING = "missing"
"""An event is gone: a version is skipped and never comes."""
FIRST_VERSION = 1


@dataclass(frozen=True)
class StoredLink:
    """One chained event as a log (or an audit trail) holds it."""

    position: int
    version: int
    payload: Mapping[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainProblem:
    position: int
    problem: str  # ALTERED, BROKEN, REORDERED or MISSING
    detail: str


class ChainChecker:
    """Checks one stream's links (a conversation, an auditor) one at a time,
    in log order, and keeps the first problem. Constant memory, so a whole
    log can be checked: a version that is skipped is taken as missing until
    it turns up later, which makes it reordered."""

    def __init__(self) -> None:
        self.links = 0
        self.problem: ChainProblem | None = None
        self._version = FIRST_VERSION
        self._prev = GENESIS_HASH

    def add(self, link: StoredLink) -> None:
        self.links += 1
        if self.problem is not None:
            if self.problem.problem == MISSING and link.version == self._version:
                self.problem = ChainProblem(
                    self.problem.position,
                    REORDERED,
                    f"{self.problem.detail}; version {link.version} comes later",
                )
            return
        self.problem = self._check(link)
        if self.problem is None:
            self._version += 1
            self._prev = link.hash

    def _check(self, link: StoredLink) -> ChainProblem | None:
        due = f"version {link.version} where {self._version} is due"
        if link.version < self._version:
            return ChainProblem(link.position, REORDERED, due)
        if link.version > self._version:
            return ChainProblem(link.position, MISSING, due)
        if link.prev_hash != self._prev:
            return ChainProblem(link.position, BROKEN, "prev_hash is not the previous hash")
        if link_hash(link.prev_hash, link.payload) != link.hash:
            return ChainProblem(link.position, ALTERED, "the content does not match its hash")
        return None


def chain_type(event_type: str) -> str:
    """The ``type`` a chain payload names: the event type, but ``Started``
    for ``ConversationStarted`` (the aggregate's created event)."""
    return "Started" if event_type == "ConversationStarted" else event_type
