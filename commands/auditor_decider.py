"""Decides the auditor commands against the auditor roles of one partition."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from functools import singledispatchmethod

from commands.messages import (
    AuditCommand,
    GrantAuditor,
    RecordAuditRead,
    RevokeAuditor,
    issued_time,
)
from domain.auditor import AuditorEvent, AuditorRole, auditor_stream_id
from domain.errors import InvalidCommand


class AuditorRoles:
    def __init__(self) -> None:
        self._roles: dict[uuid.UUID, AuditorRole] = {}

    def __len__(self) -> int:
        return len(self._roles)

    @property
    def roles(self) -> Mapping[uuid.UUID, AuditorRole]:
        return self._roles

    def adopt(self, role: AuditorRole) -> None:
        """A role restored from a snapshot."""
        self._roles[role.id] = role

    def apply(self, event: AuditorEvent) -> None:
        """One a snapshot already holds (at or below the role's version)
        changes nothing."""
        role = self._role(event.user_id)
        if event.originator_version > role.version:
            role.apply(event)

    def decide(self, command: AuditCommand) -> list[AuditorEvent]:
        role = self._role(command.user_id)
        if str(role.id) != command.auditor_id:
            raise InvalidCommand("the auditor id does not match the user")
        return self._decide(command, role)

    def _role(self, user_id: str) -> AuditorRole:
        stream = auditor_stream_id(user_id)
        if stream not in self._roles:
            self._roles[stream] = AuditorRole(user_id)
        return self._roles[stream]

    @singledispatchmethod
    def _decide(self, command: AuditCommand, role: AuditorRole) -> list[AuditorEvent]:
        raise TypeError(f"no decision for {type(command).__name__}")

    @_decide.register
    def _(self, command: GrantAuditor, role: AuditorRole) -> list[AuditorEvent]:
        return role.grant(command.by, issued_time(command))

    @_decide.register
    def _(self, command: RevokeAuditor, role: AuditorRole) -> list[AuditorEvent]:
        return role.revoke(command.by, issued_time(command))

    @_decide.register
    def _(self, command: RecordAuditRead, role: AuditorRole) -> list[AuditorEvent]:
        return role.record_read(
            command.conversation_id,
            command.read,
            command.after,
            command.limit,
            issued_time(command),
        )
