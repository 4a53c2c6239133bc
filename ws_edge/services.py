"""What the WebSocket edge needs, built by the wiring in the app lifespan."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypedDict

from commands.accounts import Accounts
from commands.blocks import Blocks, NoBlocks
from commands.change_gateway import ChangeGateway
from commands.gateway import CommandGateway
from commands.limits import Bucket, RateLimiter
from commands.media import MediaService
from commands.metrics import NO_METRICS, Metrics
from commands.presence import PresenceService
from projections.queries import ConversationQueries
from ws_edge.ports import FanoutSubscriber
from ws_edge.registry import SocketRegistry

MAX_FRAME_BYTES = 64 * 1024
SYNC_BUCKET = Bucket(burst=10, per_second=1.0)
RECEIPT_BUCKET = Bucket(burst=100, per_second=20.0)


@dataclass(frozen=True)
class SocketLimits:
    auth_timeout: float = 10.0
    send_queue_frames: int = 1000
    max_frame_bytes: int = MAX_FRAME_BYTES
    max_sockets: int = 10
    sync_bucket: Bucket = SYNC_BUCKET
    receipt_bucket: Bucket = RECEIPT_BUCKET


@dataclass(frozen=True)
class SocketServices:
    accounts: Accounts
    gateway: CommandGateway
    queries: ConversationQueries
    fanout: FanoutSubscriber
    clock: Callable[[], datetime]
    presence: PresenceService
    edge_id: str
    limiter: RateLimiter
    sockets: SocketRegistry = field(default_factory=SocketRegistry)
    allowed_origins: tuple[str, ...] = ()
    limits: SocketLimits = SocketLimits()
    blocks: Blocks = field(default_factory=NoBlocks)
    metrics: Metrics = NO_METRICS
    changes: ChangeGateway | None = None  # edits, deletions, reactions
    media: MediaService | None = None


class SocketState(TypedDict):
    """The edge's part of the app's lifespan state (``websocket.state.ws``)."""

    ws: SocketServices
