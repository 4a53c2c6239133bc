"""docs/events/<Type>.v<N>.schema.json: a JSON Schema per event type and
schema version, kept in step with the event classes. Prose, constraints
and examples are written by hand in the files; what the code decides is
generated here: which properties a record of that version has, in which
order, which are required, and the JSON type of each plain property
(those given by ``$ref``, ``const``, ``enum`` or ``oneOf`` keep their
hand-written form). A type or version new to the files gets a skeleton.

``chatapp event-schemas`` rewrites the files; ``--check`` exits 1 if they
are not what the code says (a unit test runs the check)."""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from pathlib import Path
from typing import Any

from domain.attachments import Attachment
from domain.codec import EVENT_CLASSES, schema_version
from domain.event_fields import fields_of_version

FOLDER = Path(__file__).resolve().parents[1] / "docs" / "events"
_HAND_WRITTEN = ("$ref", "const", "enum", "oneOf")
_SIMPLE = {str: "string", int: "integer", bool: "boolean", float: "number"}
_DEFS = {
    "eventsourcingDatetime": {
        "type": "object",
        "description": "How eventsourcing's JSONTranscoder (DatetimeAsISO) writes a datetime.",
        "required": ["_type_", "_data_"],
        "additionalProperties": False,
        "properties": {"_type_": {"const": "datetime_iso"}, "_data_": {"type": "string"}},
    },
}


def json_type(kind: Any) -> dict[str, Any]:
    """The JSON Schema of a field's Python type."""
    if kind in _SIMPLE:
        return {"type": _SIMPLE[kind]}
    if kind is Attachment:
        return {"$ref": "#/$defs/attachment"}
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if isinstance(kind, types.UnionType) or origin is typing.Union:
        others = [json_type(a) for a in args if a is not type(None)]
        if len(others) == 1 and "type" in others[0]:
            return {**others[0], "type": [others[0]["type"], "null"]}
        return {"oneOf": [*others, {"type": "null"}]}
    if origin in (list, tuple):
        return {"type": "array", "items": json_type(args[0])}
    if origin is dict:
        return {"type": "object", "additionalProperties": json_type(args[1])}
    raise TypeError(f"no JSON Schema for {kind!r}")


def attachment_schema() -> dict[str, Any]:
    hints = typing.get_type_hints(Attachment)
    names = [spec.name for spec in dataclasses.fields(Attachment)]
    return {
        "type": "object",
        "description": "A media object (PROTOCOL.md, Media): the message's attachment.",
        "required": names,
        "additionalProperties": False,
        "properties": {name: json_type(hints[name]) for name in names},
    }


def properties_of(name: str, version: int) -> dict[str, dict[str, Any]]:
    """Every property of the record value, in the order the codec writes them."""
    event_class = EVENT_CLASSES[name]
    found: dict[str, dict[str, Any]] = {"timestamp": {"$ref": "#/$defs/eventsourcingDatetime"}}
    if name == "ConversationStarted":
        found["originator_topic"] = {"type": "string"}
    for field, kind in fields_of_version(event_class, version).items():
        found[field] = json_type(kind)
    if version > 1:
        found["class_version"] = {"const": version}
    return found


def generated(name: str, version: int, current: dict[str, Any] | None) -> dict[str, Any]:
    document = current or {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "description": f"Value of a chat.events record with header event_type={name}.",
        "type": "object",
    }
    document["$id"] = f"urn:chatapp:events:{name}:{version}"
    document["title"] = f"{name} (schema_version {version})"
    wanted = properties_of(name, version)
    kept = document.get("properties", {})
    document["required"] = list(wanted)
    document["additionalProperties"] = False
    document["properties"] = {
        field: _merged(kept.get(field), schema) for field, schema in wanted.items()
    }
    defs = document.setdefault("$defs", {})
    for def_name, schema in _DEFS.items():
        defs.setdefault(def_name, schema)
    if any("attachment" in json.dumps(p) for p in wanted.values()):
        defs["attachment"] = attachment_schema()
    return document


def _merged(current: dict[str, Any] | None, wanted: dict[str, Any]) -> dict[str, Any]:
    if current is None:
        return wanted
    if any(key in current for key in _HAND_WRITTEN) and "type" not in wanted:
        return current
    if any(key in current for key in _HAND_WRITTEN) and "type" not in current:
        return current
    return {**current, **wanted} if "type" in wanted else current


def documents() -> dict[Path, str]:
    """Every schema file as the code says it should be."""
    found = {}
    for name, event_class in EVENT_CLASSES.items():
        for version in range(1, schema_version(event_class) + 1):
            path = FOLDER / f"{name}.v{version}.schema.json"
            current = json.loads(path.read_text("utf-8")) if path.exists() else None
            text = json.dumps(generated(name, version, current), indent=2, ensure_ascii=False)
            found[path] = text + "\n"
    return found


def main(check: bool) -> int:
    stale = [path for path, text in documents().items() if not _same(path, text)]
    if check:
        for path in stale:
            print(f"{path} is not what the code says: run `chatapp event-schemas`")
        if not stale:
            print(f"{FOLDER} matches the event classes")
        return 1 if stale else 0
    for path, text in documents().items():
        path.write_text(text, encoding="utf-8")
    print(f"wrote {len(documents())} schemas to {FOLDER}")
    return 0


def _same(path: Path, text: str) -> bool:
    return path.exists() and path.read_text("utf-8") == text
