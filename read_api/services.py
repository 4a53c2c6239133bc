"""What the HTTP API needs, built by the wiring in the app lifespan."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from commands.accounts import Accounts, Session
from commands.devices import Devices
from commands.gateway import CommandGateway
from projections.notification_ports import DecisionLog
from projections.queries import Contacts, ConversationQueries, PresenceReader
from projections.search import MessageSearch


@dataclass(frozen=True)
class ApiServices:
    accounts: Accounts
    gateway: CommandGateway
    queries: ConversationQueries
    clock: Callable[[], datetime]
    on_logout: Callable[[Session], Awaitable[None]]
    presence: PresenceReader
    contacts: Contacts
    devices: Devices
    decisions: DecisionLog
    visibility_timeout: float = 3.0
    search: MessageSearch | None = None


class ApiState(TypedDict):
    """The HTTP API's part of the app's lifespan state (``request.state.api``)."""

    api: ApiServices
