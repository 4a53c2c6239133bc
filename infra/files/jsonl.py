"""JSON Lines: one object per event, ``data`` nested in one stream, the
fields flat in a file per event type."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from infra.files.rows import Row, json_ready


def _line(row: Row, nested: bool) -> str:
    body: dict[str, Any] = {name: json_ready(value) for name, value in row.common.items()}
    if nested:
        body["data"] = dict(row.data)
    else:
        body.update(row.data)
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")) + "\n"


class JsonLinesStream:
    def __init__(self, stream: IO[str], close_stream: bool) -> None:
        self._stream = stream
        self._close = close_stream

    def write(self, row: Row) -> None:
        self._stream.write(_line(row, nested=True))

    def close(self) -> None:
        self._stream.flush()
        if self._close:
            self._stream.close()


class JsonLinesFolder:
    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._files: dict[str, IO[str]] = {}

    def write(self, row: Row) -> None:
        found = self._files.get(row.type)
        if found is None:
            found = self._files[row.type] = open(  # noqa: SIM115 - closed in close()
                self._folder / f"{row.type}.jsonl", "w", encoding="utf-8"
            )
        found.write(_line(row, nested=False))

    def close(self) -> None:
        for file in self._files.values():
            file.close()
