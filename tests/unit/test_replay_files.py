"""Replay rows written as JSON Lines, CSV and Parquet, one stream or a file
per event type, read back with the ordinary readers."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from app.replay import schemas
from app.replay_input import BadInput, TimeRange, parse_point
from infra.files.rows import Row
from infra.files.sinks import BadOutput, open_sink

AT = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def row(kind: str, offset: int, **data: object) -> Row:
    common = {
        "topic": "chat.events",
        "partition": 1,
        "offset": offset,
        "logged_at": AT,
        "key": "c1",
        "type": kind,
        "schema_version": 1,
        "version": offset + 1,
        "at": AT,
    }
    return Row(common, data)


ROWS = [
    row("MembersAdded", 3, prev_hash="p", hash="h", user_ids=["a", "b"], added_by="x", at_seq=2),
    row(
        "MessagePosted",
        4,
        prev_hash="p",
        hash="h",
        seq=1,
        message_id=2**62,
        sender="x",
        body="é",
        client_msg_id="c",
        sent_at="s",
        attachments=[],
    ),
]


def write(fmt: str, output: Path, split: bool) -> None:
    sink = open_sink(fmt, str(output), split, schemas())
    for each in ROWS:
        sink.write(each)
    sink.close()


def test_json_lines_in_one_stream_nest_the_fields_in_data(tmp_path: Path) -> None:
    write("jsonl", tmp_path / "all.jsonl", split=False)
    lines = [json.loads(line) for line in (tmp_path / "all.jsonl").read_text().splitlines()]
    assert lines[1]["data"]["message_id"] == 2**62 and lines[1]["at"] == AT.isoformat()


def test_csv_files_per_type_have_a_column_per_field(tmp_path: Path) -> None:
    write("csv", tmp_path / "out", split=True)
    with open(tmp_path / "out" / "MembersAdded.csv", newline="") as file:
        (added,) = list(csv.DictReader(file))
    assert json.loads(added["user_ids"]) == ["a", "b"] and added["offset"] == "3"


def test_parquet_files_per_type_have_typed_columns(tmp_path: Path) -> None:
    write("parquet", tmp_path / "out", split=True)
    table = pq.read_table(tmp_path / "out" / "MessagePosted.parquet")
    assert table.column("message_id").to_pylist() == [2**62]
    assert str(table.schema.field("at").type) == "timestamp[us, tz=UTC]"
    assert table.column("attachments").to_pylist() == ["[]"]


def test_one_parquet_file_holds_every_type_with_data_as_json(tmp_path: Path) -> None:
    write("parquet", tmp_path / "all.parquet", split=False)
    table = pq.read_table(tmp_path / "all.parquet")
    assert table.column("type").to_pylist() == ["MembersAdded", "MessagePosted"]
    assert json.loads(table.column("data").to_pylist()[0])["at_seq"] == 2


@pytest.mark.parametrize(
    ("fmt", "output", "split"),
    [("xml", None, False), ("parquet", None, False), ("csv", None, True)],
)
def test_outputs_that_cannot_be_written_are_refused(
    fmt: str, output: str | None, split: bool
) -> None:
    with pytest.raises(BadOutput):
        open_sink(fmt, output, split, schemas())


def test_times_without_an_offset_are_utc_and_ranges_must_go_forward() -> None:
    assert TimeRange.of("2026-01-01", None, False).since == datetime(2026, 1, 1, tzinfo=UTC)
    with pytest.raises(BadInput):
        TimeRange.of("2026-01-02", "2026-01-01", False)
    assert parse_point("42").position == 42
    assert parse_point("2026-01-01T00:00:00Z").moment == datetime(2026, 1, 1, tzinfo=UTC)
