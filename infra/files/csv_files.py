"""CSV (RFC 4180, a header line): one stream with ``data`` as JSON text, or
a file per event type with a column per field."""

from __future__ import annotations

import csv
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from infra.files.rows import COMMON_COLUMNS, FieldTypes, Row, text

_COMMON = [name for name, _ in COMMON_COLUMNS]


class CsvStream:
    def __init__(self, stream: IO[str], close_stream: bool) -> None:
        self._stream = stream
        self._close = close_stream
        self._writer = csv.writer(stream, lineterminator="\n")
        self._writer.writerow([*_COMMON, "data"])

    def write(self, row: Row) -> None:
        values = [row.common[name] for name in _COMMON]
        self._writer.writerow([text(v) for v in values] + [text(dict(row.data))])

    def close(self) -> None:
        self._stream.flush()
        if self._close:
            self._stream.close()


class CsvFolder:
    def __init__(self, folder: Path, schemas: Mapping[str, FieldTypes]) -> None:
        self._folder = folder
        self._schemas = schemas
        self._open: dict[str, tuple[IO[str], Any, list[str]]] = {}

    def write(self, row: Row) -> None:
        found = self._open.get(row.type)
        if found is None:
            fields = list(self._schemas.get(row.type, row.data))
            file = open(  # noqa: SIM115 - closed in close()
                self._folder / f"{row.type}.csv", "w", encoding="utf-8", newline=""
            )
            writer = csv.writer(file, lineterminator="\n")
            writer.writerow([*_COMMON, *fields])
            found = self._open[row.type] = (file, writer, fields)
        _, writer, fields = found
        values = [row.common[name] for name in _COMMON] + [row.data.get(f) for f in fields]
        writer.writerow([text(v) for v in values])

    def close(self) -> None:
        for file, _, _ in self._open.values():
            file.close()
