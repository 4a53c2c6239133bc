"""CHAT_LOG_FORMAT=json: one JSON object per line, with the role."""

from __future__ import annotations

import json
import logging

from app.logs import json_formatter


def record(message: str, **extra: object) -> logging.LogRecord:
    made = logging.makeLogRecord({"name": "chat.test", "levelname": "WARNING", "msg": message})
    made.__dict__.update(extra)
    return made


def test_a_json_line_has_time_level_logger_message_role_and_the_extras() -> None:
    line = json_formatter("projector").format(record("lag high", partition=3))
    fields = json.loads(line)
    assert fields["level"] == "WARNING"
    assert fields["logger"] == "chat.test"
    assert fields["message"] == "lag high"
    assert fields["role"] == "projector"
    assert fields["partition"] == 3
    assert fields["time"].endswith("+00:00")


def test_a_traceback_stays_inside_its_one_json_line() -> None:
    try:
        raise ValueError("broken")
    except ValueError:
        import sys

        failed = logging.makeLogRecord({"msg": "failed", "exc_info": sys.exc_info()})
    line = json_formatter("edge").format(failed)
    assert "\n" not in line
    assert "ValueError: broken" in json.loads(line)["exc_info"]
