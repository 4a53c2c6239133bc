"""Where replayed rows go: a format (jsonl, csv, parquet) and a place (a
file, a folder with one file per event type, or stdout)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

from infra.files.csv_files import CsvFolder, CsvStream
from infra.files.jsonl import JsonLinesFolder, JsonLinesStream
from infra.files.parquet_files import ParquetFile, ParquetFolder
from infra.files.rows import FieldTypes, Row

FORMATS = ("jsonl", "csv", "parquet")


class BadOutput(ValueError):
    """An output that cannot be written (unknown format, parquet to stdout, ...)."""


class RowSink(Protocol):
    def write(self, row: Row) -> None: ...

    def close(self) -> None: ...


def open_sink(
    fmt: str, output: str | None, split: bool, schemas: Mapping[str, FieldTypes]
) -> RowSink:
    """``output`` None or "-": stdout; ``split``: ``output`` is a folder
    (created if missing) with one file per event type."""
    if fmt not in FORMATS:
        raise BadOutput(f"unknown format {fmt!r}: use one of {', '.join(FORMATS)}")
    to_stdout = output in (None, "-")
    if split:
        if to_stdout:
            raise BadOutput("--split writes a folder: give --output FOLDER")
        folder = Path(str(output))
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise BadOutput(f"cannot create {folder}: {error.strerror}") from None
        if fmt == "jsonl":
            return JsonLinesFolder(folder)
        if fmt == "csv":
            return CsvFolder(folder, schemas)
        return ParquetFolder(folder, schemas)
    if fmt == "parquet":
        if to_stdout:
            raise BadOutput("parquet is binary: give --output FILE (or --split --output FOLDER)")
        try:
            return ParquetFile(Path(str(output)))
        except OSError as error:
            raise BadOutput(f"cannot write {output}: {error}") from None
    if to_stdout:
        stream = sys.stdout
    else:
        try:
            stream = open(str(output), "w", encoding="utf-8", newline="")  # noqa: SIM115
        except OSError as error:
            raise BadOutput(f"cannot write {output}: {error.strerror}") from None
    if fmt == "jsonl":
        return JsonLinesStream(stream, close_stream=not to_stdout)
    return CsvStream(stream, close_stream=not to_stdout)
