"""The chat read models in PostgreSQL, written with their tracking position.

Each method runs one transaction, or joins the projector's batch (one
transaction per poll, infra.postgres.view_batch): the position first (a
position that is not newer is refused and writes nothing), then the view
rows; messages and watermark moves are grouped into one statement each per
batch, and the audience of a message comes from the member cache
(receipts: infra.postgres.receipts). A refused position raises AlreadyProjected
and writes nothing, so a redelivered record never writes twice.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any, LiteralString, TypeVar

import psycopg
from eventsourcing.domain import DomainEvent
from eventsourcing.persistence import Tracking, TrackingRecorder
from eventsourcing.utils import retry
from psycopg import Cursor, sql
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool

from domain.conversation import Conversation
from domain.membership_rules import ADMIN, MEMBER
from domain.rejection import CommandRejected
from infra.postgres.holds import HoldStatements
from infra.postgres.member_cache import MemberCache
from infra.postgres.membership import (
    ADD_MEMBERS,
    REMOVE_MEMBER,
    RENAME,
    per_member_objects,
    per_member_query,
)
from infra.postgres.message_change_view import MessageChangeWrites
from infra.postgres.message_changes import ChangeStatements
from infra.postgres.tracking import TrackingStatements
from infra.postgres.view_batch import BatchStatements, PostedRow, ViewBatch
from projections.ports import ViewUnavailable
from projections.wire import attachments_json, conversation_object

T = TypeVar("T")
PerMember = Mapping[str, Mapping[str, Any]]

_START = """
WITH conversation AS (
    INSERT INTO {s}.conversations
        (conversation_id, kind, title, started_by, created_at, last_seq, updated_at)
    VALUES (%(conversation_id)s, %(kind)s, %(title)s, %(started_by)s, %(at)s, 0, %(at)s)
    ON CONFLICT (conversation_id) DO NOTHING
)
INSERT INTO {s}.members (conversation_id, user_id, role)
SELECT %(conversation_id)s, m.user_id, m.role
FROM unnest(%(user_ids)s::text[], %(roles)s::text[]) AS m (user_id, role)
ON CONFLICT (conversation_id, user_id) DO NOTHING
"""

_MEMBERS = """
SELECT user_id FROM {s}.members WHERE conversation_id = %(conversation_id)s
ORDER BY user_id COLLATE "C"
"""


def event_time(text: str) -> datetime:
    """An event's ISO 8601 time as an aware UTC datetime (naive means UTC)."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class PostgresChatView(MessageChangeWrites, TrackingRecorder):
    """ChatView on the tables of infra.postgres.schema, tracking in ``chat_tracking``."""

    def __init__(self, pool: ConnectionPool, schema: str) -> None:
        self.schema = schema
        self._pool = pool
        self._tracking = TrackingStatements(schema)
        self._statements = BatchStatements(schema)
        self._start = _in_schema(_START, schema)
        self._members_of = _in_schema(_MEMBERS, schema)
        self._add_members = _in_schema(ADD_MEMBERS, schema)
        self._remove_member = _in_schema(REMOVE_MEMBER, schema)
        self._rename = _in_schema(RENAME, schema)
        self._per_member = per_member_query(schema)
        self._holds = HoldStatements(schema)
        self._batch: ViewBatch | None = None
        self._members = MemberCache(self._load_members)
        self._changes = ChangeStatements(schema)

    @classmethod
    def from_dsn(cls, dsn: str, schema: str) -> PostgresChatView:
        """Nothing connects until the first call."""
        pool: ConnectionPool = ConnectionPool(dsn, min_size=1, max_size=1, open=False)
        return cls(pool, schema)

    def close(self) -> None:
        self._pool.close()

    # -- TrackingRecorder -------------------------------------------------

    def insert_tracking(self, tracking: Tracking) -> None:
        self._write(tracking, lambda batch: None)

    @retry((psycopg.OperationalError,), max_attempts=10, wait=0.2)
    def max_tracking_id(self, application_name: str) -> int | None:
        with self._transaction() as curs:
            return self._tracking.max_id(curs, application_name)

    def forget(self, application_name: str) -> None:
        self._members.forget(application_name)

    # -- ChatView ---------------------------------------------------------

    def conversation_started(
        self, event: Conversation.Started, tracking: Tracking
    ) -> Mapping[str, Any]:
        members = sorted(event.members.items())
        conversation_id = str(event.originator_id)
        params = {
            "conversation_id": conversation_id,
            "kind": event.kind,
            "title": event.title,
            "started_by": event.started_by,
            "at": event_time(event.started_at),
            "user_ids": [user_id for user_id, _ in members],
            "roles": [role for _, role in members],
        }

        def start(batch: ViewBatch) -> None:
            batch.flush()
            batch.curs.execute(self._start, params)
            batch.sync_inbox([conversation_id])
            self._members.invalidate(tracking.application_name, conversation_id)

        self._write(tracking, start)
        return _started_object(event, members)

    def message_posted(
        self, event: Conversation.MessagePosted, tracking: Tracking
    ) -> Sequence[str]:
        conversation_id = str(event.originator_id)
        row = PostedRow(
            conversation_id,
            event.seq,
            event.message_id,
            event.sender,
            event.body,
            event.client_msg_id,
            event_time(event.sent_at),
            json.dumps(attachments_json(event)),
        )

        def post(batch: ViewBatch) -> list[str]:
            batch.post(row)
            return self._members.members(tracking.application_name, conversation_id)

        return self._write(tracking, post)

    def members_added(self, event: Conversation.MembersAdded, tracking: Tracking) -> PerMember:
        params = {
            **_change_params(event),
            "user_ids": list(event.user_ids),
            "role": MEMBER,
            "at_seq": event.at_seq,
        }
        return self._change(tracking, self._add_members, params)

    def member_removed(self, event: Conversation.MemberRemoved, tracking: Tracking) -> PerMember:
        params = {
            **_change_params(event),
            "user_id": event.user_id,
            "new_admin": None,
            "admin_role": ADMIN,
        }
        return self._change(tracking, self._remove_member, params, gone=event.user_id)

    def member_left(self, event: Conversation.MemberLeft, tracking: Tracking) -> PerMember:
        params = {
            **_change_params(event),
            "user_id": event.user_id,
            "new_admin": event.new_admin,
            "admin_role": ADMIN,
        }
        return self._change(tracking, self._remove_member, params, gone=event.user_id)

    def group_renamed(self, event: Conversation.GroupRenamed, tracking: Tracking) -> PerMember:
        params = {**_change_params(event), "title": event.title}
        return self._change(tracking, self._rename, params)

    def messages_delivered(
        self, event: Conversation.MessagesDelivered, tracking: Tracking
    ) -> Sequence[str]:
        return self._receipt(event, tracking, delivered_seq=event.up_to_seq, read_seq=0)

    def messages_read(self, event: Conversation.MessagesRead, tracking: Tracking) -> Sequence[str]:
        return self._receipt(event, tracking, delivered_seq=0, read_seq=event.up_to_seq)

    def command_rejected(self, event: CommandRejected, tracking: Tracking) -> None:
        self.skip(tracking)

    def skip(self, tracking: Tracking) -> None:
        self._write(tracking, lambda batch: None)

    def hold(self, conversation_id: str, reason: str, tracking: Tracking) -> None:
        params = {"conversation_id": conversation_id, "reason": reason}
        self._write(tracking, lambda batch: batch.curs.execute(self._holds.hold, params))

    def held_conversations(self) -> set[str]:
        """Inside a batch, in its transaction (what was committed before
        this statement, the holds of a write its position lock waited for)."""
        if self._batch is not None:
            return self._held_in(self._batch.curs)
        held: set[str] = self._held_alone()  # retry() leaves its result untyped
        return held

    @retry((psycopg.OperationalError,), max_attempts=10, wait=0.2)
    def _held_alone(self) -> set[str]:
        with self._transaction() as curs:
            return self._held_in(curs)

    def _held_in(self, curs: Cursor[DictRow]) -> set[str]:
        curs.execute(self._holds.held)
        return {row["conversation_id"] for row in curs.fetchall()}

    def _change(
        self,
        tracking: Tracking,
        statement: sql.Composed,
        params: dict[str, Any],
        gone: str | None = None,
    ) -> PerMember:
        """One membership or title change, then every member's object (one
        query, after the grouped writes before it)."""

        def change(batch: ViewBatch) -> PerMember:
            batch.flush()
            batch.curs.execute(statement, params)
            batch.sync_inbox([params["conversation_id"]])
            if gone is not None:
                batch.drop_from_inbox(gone, params["conversation_id"])
            batch.curs.execute(self._per_member, params)
            self._members.invalidate(tracking.application_name, params["conversation_id"])
            return per_member_objects(batch.curs.fetchall(), gone)

        return self._write(tracking, change)

    def _receipt(
        self,
        event: Conversation.MessagesDelivered | Conversation.MessagesRead,
        tracking: Tracking,
        delivered_seq: int,
        read_seq: int,
    ) -> list[str]:
        """Lifts a member's watermarks (never lowers them); returns every
        member (the reporter's other devices too), or nothing for an unknown
        conversation or user."""
        conversation_id = str(event.originator_id)

        def move(batch: ViewBatch) -> list[str]:
            members = self._members.members(tracking.application_name, conversation_id)
            if event.user_id not in members:
                return []
            batch.move_watermarks(conversation_id, event.user_id, delivered_seq, read_seq)
            return members

        return self._write(tracking, move)

    # -- transactions -------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[Cursor[DictRow]]:
        """A transaction committed when the block ends, rolled back on error.
        In pipeline mode: statements whose answers are not read yet travel
        together (BEGIN with the first read, the batch's writes with the
        positions' check), a round trip per answer read instead of per
        statement."""
        self._pool.open()
        with (
            self._pool.connection() as conn,
            conn.pipeline(),
            conn.transaction(),
            conn.cursor(row_factory=dict_row) as curs,
        ):
            yield curs

    @contextmanager
    def batch(self) -> Iterator[None]:
        """One transaction for every write until the block ends (then they are
        committed together); an error rolls all of them back.

        The commit does not wait for its WAL flush (``synchronous_commit =
        off``): rows and positions commit together or not at all either way,
        and what a server crash could lose of the last few commits is read
        again from the log (the positions say from where)."""
        try:
            with self._transaction() as curs:
                curs.execute("SET LOCAL synchronous_commit = off")
                self._batch = ViewBatch(curs, self._statements)
                yield
                self._batch.finish()
        except psycopg.OperationalError as error:
            self._members.forget()
            raise ViewUnavailable(str(error)) from error
        except BaseException:
            self._members.forget()  # it may hold what was rolled back
            raise
        finally:
            self._batch = None

    def _write(self, tracking: Tracking, write: Callable[[ViewBatch], T]) -> T:
        if self._batch is not None:
            self._batch.take(tracking)
            return write(self._batch)
        written: T = self._write_alone(tracking, write)
        return written

    @retry((psycopg.OperationalError, ViewUnavailable), max_attempts=10, wait=0.2)
    def _write_alone(self, tracking: Tracking, write: Callable[[ViewBatch], T]) -> T:
        with self.batch():
            assert self._batch is not None
            self._batch.take(tracking)  # AlreadyProjected rolls the transaction back
            return write(self._batch)

    def _load_members(self, conversation_id: str) -> list[str]:
        assert self._batch is not None, "members are read inside a write"
        self._batch.curs.execute(self._members_of, {"conversation_id": conversation_id})
        return [row["user_id"] for row in self._batch.curs.fetchall()]


def _in_schema(text: LiteralString, schema: str) -> sql.Composed:
    return sql.SQL(text).format(s=sql.Identifier(schema))


def _change_params(event: DomainEvent) -> dict[str, Any]:
    """What every membership or title change needs: which conversation, when."""
    return {"conversation_id": str(event.originator_id), "at": _utc(event.timestamp)}


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _started_object(event: Conversation.Started, members: list[tuple[str, str]]) -> dict[str, Any]:
    """The conversation object of a conversation that just started."""
    return conversation_object(
        conversation_id=str(event.originator_id),
        kind=event.kind,
        title=event.title,
        members=members,
        last_seq=0,
        unread_count=0,
        last_message=None,
        updated_at=event_time(event.started_at).isoformat(),
    )
