"""The data fields of each event type, with their Python types: what a
replay writes as columns and what the JSON Schemas of docs/events/ list.
Fields are those of the event class minus eventsourcing's own
(``originator_id``, ``originator_version``, ``timestamp``,
``originator_topic``), which the record key and headers carry."""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Mapping
from typing import Any

from domain.hashchain import as_stored

ENVELOPE = frozenset({"originator_id", "originator_version", "timestamp", "originator_topic"})


_FIELD_TYPES: dict[type[Any], dict[str, Any]] = {}


def field_types(event_class: type[Any]) -> dict[str, Any]:
    """Field name -> type, in declaration order (dataclass fields). Cached
    per class (resolving type hints is slow): do not change the answer."""
    found = _FIELD_TYPES.get(event_class)
    if found is None:
        hints = typing.get_type_hints(event_class)
        found = _FIELD_TYPES[event_class] = {
            spec.name: hints[spec.name]
            for spec in dataclasses.fields(event_class)
            if spec.name not in ENVELOPE
        }
    return found


def fields_of_version(event_class: type[Any], version: int) -> dict[str, Any]:
    """The fields a record of schema ``version`` holds: a field listed in the
    class's ``fields_since`` (name -> first version) is absent before it."""
    since: Mapping[str, int] = getattr(event_class, "fields_since", {})
    return {
        name: kind
        for name, kind in field_types(event_class).items()
        if since.get(name, 1) <= version
    }


def event_data(event: Any) -> dict[str, Any]:
    """An event's data fields as JSON values (attachments as objects)."""
    return as_stored({name: getattr(event, name) for name in field_types(type(event))})
