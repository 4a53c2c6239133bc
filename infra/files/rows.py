"""Replayed events as rows: the columns every row has, then the event's
own fields. Each output format writes these rows its own way."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

COMMON_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("topic", str),
    ("partition", int),
    ("offset", int),
    ("logged_at", datetime),  # the broker's record timestamp
    ("key", str),
    ("type", str),
    ("schema_version", int),  # as the record was written (before upcasting)
    ("version", int | None),  # the aggregate version (header); none for presence
    ("at", datetime),  # when the event happened
)

FieldTypes = Mapping[str, Any]
"""Field name -> Python type, per event type (domain.event_fields)."""


@dataclass(frozen=True)
class Row:
    common: Mapping[str, Any]
    data: Mapping[str, Any]

    @property
    def type(self) -> str:
        name: str = self.common["type"]
        return name


def scalar(value: Any) -> Any:
    """A value for a flat column: lists and objects as JSON text."""
    if isinstance(value, list | tuple | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return value


def text(value: Any) -> str:
    """A value as CSV text: empty for none, ISO 8601 for times."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(scalar(value))


def json_ready(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
