"""The edge's side of auditing: who may audit (the auditors' read model),
and each audit read recorded on the log before it is served."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from eventsourcing.persistence import Cipher

from commands.messages import RecordAuditRead, encode_command
from commands.ports import LogPublisher
from domain.auditor import auditor_stream_id
from domain.records import OutgoingRecord


class AuditorDirectory(Protocol):
    async def is_auditor(self, user_id: str) -> bool: ...


class AuditAccess:
    def __init__(
        self,
        publisher: LogPublisher,
        auditors: AuditorDirectory,
        clock: Callable[[], datetime],
        cipher: Cipher | None = None,
    ) -> None:
        self._publisher = publisher
        self._auditors = auditors
        self._clock = clock
        self._cipher = cipher

    async def is_auditor(self, user_id: str) -> bool:
        return await self._auditors.is_auditor(user_id)

    async def record_read(
        self,
        user_id: str,
        conversation_id: str,
        read: str,
        after: int | None = None,
        limit: int | None = None,
    ) -> None:
        """Returns once the log holds the read (LogUnavailable otherwise:
        then nothing may be served)."""
        stream = str(auditor_stream_id(user_id))
        command = RecordAuditRead(
            stream, user_id, conversation_id, read, after, limit, self._clock().isoformat()
        )
        await self._publisher.publish(
            OutgoingRecord(
                key=stream,
                value=encode_command(command, self._cipher),
                headers={"command_type": type(command).__name__},
            )
        )
