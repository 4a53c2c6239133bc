"""Tracking positions in PostgreSQL: one row per application name (a topic
partition, e.g. ``chat.events.p3``) holding the last projected offset,
written in the same transaction as the view rows. The table has the shape
of eventsourcing's single-row tracking table, so schemas made by earlier
versions keep working."""

from __future__ import annotations

from typing import Final

from eventsourcing.persistence import IntegrityError, Tracking
from psycopg import Cursor, sql
from psycopg.rows import DictRow

CREATE_TRACKING: Final = """
CREATE TABLE IF NOT EXISTS {s}.chat_tracking (
    application_name text PRIMARY KEY,
    notification_id bigint
)"""

# Moves the position forward only: an older or equal one updates nothing
# and returns no row.
_ADVANCE: Final = """
INSERT INTO {s}.{t} (application_name, notification_id)
VALUES (%(application_name)s, %(notification_id)s)
ON CONFLICT (application_name) DO UPDATE SET notification_id = EXCLUDED.notification_id
WHERE {s}.{t}.notification_id < EXCLUDED.notification_id
RETURNING notification_id
"""

_MAX: Final = """
SELECT notification_id FROM {s}.{t} WHERE application_name = %(application_name)s
"""


class TrackingStatements:
    def __init__(self, schema: str, table: str = "chat_tracking") -> None:
        names = {"s": sql.Identifier(schema), "t": sql.Identifier(table)}
        self._advance = sql.SQL(_ADVANCE).format(**names)
        self._max = sql.SQL(_MAX).format(**names)

    def advance(self, curs: Cursor[DictRow], tracking: Tracking) -> None:
        """Records the position in the caller's transaction; IntegrityError
        (and nothing written) unless it is after the one recorded."""
        params = {
            "application_name": tracking.application_name,
            "notification_id": tracking.notification_id,
        }
        curs.execute(self._advance, params, prepare=True)
        if curs.fetchone() is None:
            raise IntegrityError(f"{tracking} is not after the recorded position")

    def max_id(self, curs: Cursor[DictRow], application_name: str) -> int | None:
        curs.execute(self._max, {"application_name": application_name})
        row = curs.fetchone()
        return None if row is None else int(row["notification_id"])
