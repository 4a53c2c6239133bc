"""What the HTTP API needs, built by the wiring in the app lifespan."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypedDict

from commands.accounts import Accounts, Session
from commands.audit import AuditAccess
from commands.blocks import Blocks
from commands.devices import Devices
from commands.discovery import Discovery
from commands.gateway import CommandGateway
from commands.limits import Bucket, RateLimiter
from commands.media import MediaService
from commands.metrics import NO_METRICS, Metrics
from commands.relationship_gateway import RelationshipGateway
from commands.tus_uploads import TusUploads
from projections.audit_ports import AuditQueries
from projections.friends_ports import FriendQueries
from projections.notification_ports import DecisionLog
from projections.queries import Contacts, ConversationQueries, PresenceReader
from projections.search import MessageSearch


@dataclass(frozen=True)
class ReadLimit:
    """The per-user bucket of the HTTP reads (history, inbox, conversation,
    receipts, presence)."""

    limiter: RateLimiter
    bucket: Bucket


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
    relationships: RelationshipGateway
    friends: FriendQueries
    blocks: Blocks
    audit: AuditAccess
    audit_trail: AuditQueries
    visibility_timeout: float = 3.0
    read_limit: ReadLimit | None = None  # None: reads are not limited
    metrics: Metrics = NO_METRICS
    search: MessageSearch | None = None
    media: MediaService | None = None
    uploads: TusUploads | None = None
    discovery: Discovery | None = None  # None: GET /v1/edge answers 503


class ApiState(TypedDict):
    """The HTTP API's part of the app's lifespan state (``request.state.api``)."""

    api: ApiServices
