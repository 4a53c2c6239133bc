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
