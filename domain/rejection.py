"""CommandRejected: a command broke a rule; only its sender hears of it.

It is on the log like other events but changes no aggregate, so a replay
of a conversation skips it.
"""

from __future__ import annotations

from dataclasses import dataclass

from eventsourcing.domain import DomainEvent


@dataclass(frozen=True)
class CommandRejected(DomainEvent):
    command_type: str
    sender: str
    client_msg_id: str | None
    code: str
    reason: str
