"""The replay's decoder: deciphers with the cipher key, upcasts, and refuses
a record it cannot decipher with one clear error."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import pytest
from eventsourcing.cipher import AESCipher
from eventsourcing.domain import DomainEvent
from eventsourcing.utils import Environment

from app.replay import Decoder, Summary
from app.replay_input import BadInput
from domain.codec import EventCodec
from domain.conversation import Conversation
from domain.records import LogRecord
from infra.kafka.log_reader import LoggedRecord

AT = datetime(2026, 1, 1, tzinfo=UTC)
V1 = Path(__file__).resolve().parents[1] / "data" / "v1_records.json"


def cipher() -> AESCipher:
    return AESCipher(Environment(env={AESCipher.CIPHER_KEY: AESCipher.create_key(16)}))


def logged(value: bytes, headers: dict[str, str], offset: int = 0) -> LoggedRecord:
    record = LogRecord(0, offset, headers["aggregate_id"], value, headers)
    return LoggedRecord("chat.events", record, 1_767_225_600_000)


def encrypted_records(key: AESCipher) -> list[LoggedRecord]:
    conversation = Conversation.start_direct("ann", "ben", AT)
    conversation.post_message("ann", "c1", 1, "secret", AT)
    codec = EventCodec(cipher=key)
    return [
        logged(r.value, dict(r.headers), n)
        for n, r in enumerate(
            codec.encode(cast(DomainEvent, e)) for e in conversation.collect_events()
        )
    ]


def test_an_encrypted_log_is_deciphered_with_its_key() -> None:
    key = cipher()
    decoder = Decoder(EventCodec(cipher=key), "chat.events", Summary())
    rows = [decoder.row(record) for record in encrypted_records(key)]
    assert [row.data["body"] for row in rows if row and row.type == "MessagePosted"] == ["secret"]


def test_a_key_that_does_not_decipher_the_log_is_bad_input() -> None:
    decoder = Decoder(EventCodec(cipher=cipher()), "chat.events", Summary())
    with pytest.raises(BadInput, match="CHAT_EVENT_CIPHER_KEY"):
        decoder.row(encrypted_records(cipher())[0])


def test_a_version_1_record_is_written_upcast_with_the_version_it_was_written_in() -> None:
    records = json.loads(V1.read_text("utf-8"))["records"]
    posted = next(r for r in records if r["headers"]["event_type"] == "MessagePosted")
    row = Decoder(EventCodec(), "chat.events", Summary()).row(
        logged(posted["value"].encode(), posted["headers"])
    )
    assert row is not None
    assert (row.common["schema_version"], row.data["attachments"]) == (1, [])


def test_an_unknown_event_type_is_skipped_and_counted() -> None:
    summary = Summary()
    headers = {"event_type": "FromTheFuture", "aggregate_id": "x", "aggregate_version": "1"}
    assert Decoder(EventCodec(), "chat.events", summary).row(logged(b"{}", headers)) is None
    assert sum(summary.skipped.values()) == 1
