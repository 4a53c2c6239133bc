"""Parquet through pyarrow: one file with ``data`` as JSON text, or a file
per event type with a typed column per field (strings, 64-bit integers,
booleans; lists and objects as JSON text). ``logged_at`` and ``at`` are
UTC timestamps. Rows are written in row groups of ``BATCH`` rows."""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from infra.files.rows import COMMON_COLUMNS, FieldTypes, Row, scalar

BATCH = 50_000
_SIMPLE = {str: pa.string(), int: pa.int64(), bool: pa.bool_(), float: pa.float64()}


def arrow_type(kind: Any) -> pa.DataType:
    """A Python field type as an Arrow type (optional types are nullable anyway)."""
    if kind is datetime:
        return pa.timestamp("us", tz="UTC")
    if kind in _SIMPLE:
        return _SIMPLE[kind]
    if isinstance(kind, types.UnionType) or typing.get_origin(kind) is typing.Union:
        others = [k for k in typing.get_args(kind) if k is not type(None)]
        if len(others) == 1:
            return arrow_type(others[0])
    return pa.string()  # lists, tuples, objects: JSON text


def _schema(fields: FieldTypes | None) -> pa.Schema:
    columns = [pa.field(name, arrow_type(kind)) for name, kind in COMMON_COLUMNS]
    if fields is None:
        columns.append(pa.field("data", pa.string()))
    else:
        columns.extend(pa.field(name, arrow_type(kind)) for name, kind in fields.items())
    return pa.schema(columns)


class _File:
    def __init__(self, path: Path, fields: FieldTypes | None) -> None:
        self.schema = _schema(fields)
        self.fields = fields
        self.writer = pq.ParquetWriter(path, self.schema, compression="zstd")
        self.rows: list[dict[str, Any]] = []

    def add(self, row: Row) -> None:
        values = dict(row.common)
        if self.fields is None:
            values["data"] = scalar(dict(row.data))
        else:
            values.update({name: scalar(row.data.get(name)) for name in self.fields})
        self.rows.append(values)
        if len(self.rows) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.rows:
            self.writer.write_table(pa.Table.from_pylist(self.rows, self.schema))
            self.rows = []

    def close(self) -> None:
        self.flush()
        self.writer.close()


class ParquetFile:
    def __init__(self, path: Path) -> None:
        self._file = _File(path, None)

    def write(self, row: Row) -> None:
        self._file.add(row)

    def close(self) -> None:
        self._file.close()


class ParquetFolder:
    def __init__(self, folder: Path, schemas: Mapping[str, FieldTypes]) -> None:
        self._folder = folder
        self._schemas = schemas
        self._files: dict[str, _File] = {}

    def write(self, row: Row) -> None:
        found = self._files.get(row.type)
        if found is None:
            fields = self._schemas.get(row.type) or {name: str for name in row.data}
            found = self._files[row.type] = _File(self._folder / f"{row.type}.parquet", fields)
        found.add(row)

    def close(self) -> None:
        for file in self._files.values():
            file.close()
