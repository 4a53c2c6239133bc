"""docs/events/ holds a JSON Schema per event type and version, in step with
the event classes, and records the codec writes validate against them."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import jsonschema_rs
from eventsourcing.domain import DomainEvent

from app.event_schemas import FOLDER, main
from domain.attachments import Attachment
from domain.auditor import AuditorRole
from domain.codec import EVENT_CLASSES, EventCodec, schema_version
from domain.conversation import Conversation

AT = datetime(2026, 2, 1, 8, 0, tzinfo=UTC)


def validator(name: str, version: int) -> Any:
    schema = json.loads((FOLDER / f"{name}.v{version}.schema.json").read_text("utf-8"))
    return jsonschema_rs.validator_for(schema)


def test_the_schema_files_are_what_the_event_classes_say() -> None:
    assert main(check=True) == 0


def test_there_is_a_schema_for_every_version_of_every_event_type() -> None:
    wanted = {
        f"{name}.v{version}.schema.json"
        for name, cls in EVENT_CLASSES.items()
        for version in range(1, schema_version(cls) + 1)
    }
    assert wanted <= {path.name for path in Path(FOLDER).glob("*.v*.schema.json")}


def test_every_example_validates_against_its_schema() -> None:
    for path in FOLDER.glob("*.v*.schema.json"):
        schema = json.loads(path.read_text("utf-8"))
        for example in schema.get("examples", []):
            assert jsonschema_rs.validator_for(schema).is_valid(example), path.name


def test_records_the_codec_writes_validate_against_the_current_versions() -> None:
    conversation = Conversation.create_group(uuid.uuid4(), "ann", "crew", ["ben", "cat"], AT)
    photo = Attachment("m1", "image", "image/jpeg", 10, "ab" * 32, 1, 1, None, False)
    conversation.post_message("ann", "c1", 1, "look", AT, (photo,))
    conversation.add_members("ann", ["dan"], AT, 10)
    conversation.mark_read("ben", 1, AT)
    conversation.remove_member("ann", "cat", AT)
    conversation.leave("ann", AT)
    conversation.rename("ben", "new", AT)
    role = AuditorRole("eve")
    events = [cast(DomainEvent, e) for e in conversation.collect_events()]
    events += role.grant("operator", AT) + role.record_read("c", "verify", None, None, AT)
    codec = EventCodec()
    for event in events:
        record = codec.encode(event)
        name, version = record.headers["event_type"], int(record.headers["schema_version"])
        assert validator(name, version).is_valid(json.loads(record.value)), name


def test_the_auditor_commands_validate_against_the_commands_schema() -> None:
    from commands.messages import GrantAuditor, RecordAuditRead, RevokeAuditor, encode_command
    from domain.auditor import auditor_stream_id

    schema = json.loads((FOLDER / "commands.schema.json").read_text("utf-8"))
    stream, at = str(auditor_stream_id("u1")), AT.isoformat()
    conversation = str(uuid.uuid4())
    for command in (
        GrantAuditor(stream, "u1", "operator:root", at),
        RevokeAuditor(stream, "u1", "operator:root", at),
        RecordAuditRead(stream, "u1", conversation, "events", -1, 100, at),
        RecordAuditRead(stream, "u1", conversation, "verify", None, None, at),
    ):
        assert jsonschema_rs.validator_for(schema).is_valid(json.loads(encode_command(command)))
