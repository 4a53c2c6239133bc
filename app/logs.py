"""The process's log lines: text for people (the default), or with
``CHAT_LOG_FORMAT=json`` one JSON object per line for a log pipeline.

JSON lines come from the maintained ``python-json-logger`` formatter: the
fields ``time``, ``level``, ``logger``, ``message``, ``role`` (the chatapp
command), the structured extras a call passes (``extra={...}``), and
``exc_info`` for a traceback. The code logs ids, counts and errors, never
message bodies or tokens; a test holds a real role to it.
"""

from __future__ import annotations

import logging
import os

from pythonjsonlogger.json import JsonFormatter

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s %(message)s"


def json_formatter(role: str) -> logging.Formatter:
    return JsonFormatter(
        "%(levelname)s %(name)s %(message)s",
        rename_fields={"levelname": "level", "name": "logger"},
        static_fields={"role": role},
        timestamp="time",  # ISO 8601, UTC
    )


def configure_logging(log_format: str, role: str) -> None:
    """The root logger's one handler, at ``CHAT_LOG_LEVEL`` (INFO)."""
    handler = logging.StreamHandler()
    if log_format == "json":
        handler.setFormatter(json_formatter(role))
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(
        level=os.environ.get("CHAT_LOG_LEVEL", "INFO").upper(), handlers=[handler], force=True
    )
