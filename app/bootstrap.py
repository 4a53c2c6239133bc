"""The one place where adapters are chosen and wired into the app and roles."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.applications import Starlette

from app.codecs import record_cipher
from app.settings import Settings
from commands.accounts import Accounts, AccountStore, Session
from commands.gateway import CommandGateway, SendClaims
from commands.limits import Bucket, RateLimiter
from commands.ports import CommandPublisher
from commands.presence import PresenceLeases, PresenceService, PresenceSettings
from domain.ids import MessageIdGenerator
from projections.queries import Contacts, ConversationQueries, PresenceReader
from read_api.app import api_routes, exception_handlers
from read_api.services import ApiServices
from ws_edge.connection import SESSION_CLOSED
from ws_edge.endpoint import routes as ws_routes
from ws_edge.ports import FanoutSubscriber
from ws_edge.registry import SocketRegistry
from ws_edge.services import SocketLimits, SocketServices

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class EdgeAdapters:
    """The ports the edge process needs, open for the app's lifetime."""

    publisher: CommandPublisher
    queries: ConversationQueries
    account_store: AccountStore
    fanout: FanoutSubscriber
    claims: SendClaims
    presence_leases: PresenceLeases
    presence_publisher: CommandPublisher
    presence_reader: PresenceReader
    contacts: Contacts
    rate_limiter: RateLimiter


EdgeAdaptersFactory = Callable[[Settings], AbstractAsyncContextManager[EdgeAdapters]]


def edge_services(
    settings: Settings,
    adapters: EdgeAdapters,
    sockets: SocketRegistry,
    clock: Callable[[], datetime] = utc_now,
) -> dict[str, Any]:
    login_rate = settings.login_attempts_per_minute
    accounts = Accounts(
        adapters.account_store,
        timedelta(seconds=settings.session_ttl_seconds),
        adapters.rate_limiter,
        Bucket(burst=max(1, int(login_rate)), per_second=login_rate / 60),
    )
    gateway = CommandGateway(
        adapters.publisher,
        adapters.queries,
        adapters.claims,
        MessageIdGenerator(settings.worker_id),
        clock,
        adapters.rate_limiter,
        Bucket(burst=settings.send_burst, per_second=settings.send_rate_per_second),
        record_cipher(settings),
    )

    async def close_session_sockets(session: Session) -> None:
        frame = {"type": SESSION_CLOSED, "session_id": session.session_id}
        await adapters.fanout.broadcast([session.user_id], frame)

    presence = PresenceService(
        adapters.presence_leases,
        adapters.presence_publisher,
        clock,
        PresenceSettings(lease_ttl=settings.presence_ttl_seconds),
    )
    api = ApiServices(
        accounts,
        gateway,
        adapters.queries,
        clock,
        close_session_sockets,
        adapters.presence_reader,
        adapters.contacts,
        max_group_size=settings.max_group_size,
    )
    ws = SocketServices(
        accounts,
        gateway,
        adapters.queries,
        adapters.fanout,
        clock,
        presence,
        uuid.uuid4().hex[:12],
        adapters.rate_limiter,
        sockets,
        settings.allowed_origins,
        SocketLimits(
            auth_timeout=settings.ws_auth_timeout_seconds,
            max_sockets=settings.max_sockets_per_user,
            send_queue_frames=settings.ws_send_queue_frames,
        ),
    )
    return {"api": api, "ws": ws}


async def sweep_presence(presence: PresenceService) -> None:
    """Turns the users of dead edges offline (any edge may do it; each user once)."""
    while True:
        await asyncio.sleep(presence.settings.sweep_interval)
        try:
            await presence.sweep()
        except Exception as error:  # the next round tries again
            log.warning("presence sweep failed: %s", error)


def create_app(settings: Settings, adapters_factory: EdgeAdaptersFactory) -> Starlette:
    """The edge app; ``app.state.sockets`` lets the server close sockets on shutdown."""
    sockets = SocketRegistry()

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Any]]:
        async with adapters_factory(settings) as adapters:
            services = edge_services(settings, adapters, sockets)
            sweeper = asyncio.create_task(sweep_presence(services["ws"].presence))
            try:
                yield services
            finally:
                sweeper.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sweeper

    app = Starlette(
        routes=[*api_routes(), *ws_routes],
        exception_handlers=exception_handlers(),
        lifespan=lifespan,
    )
    app.state.sockets = sockets
    return app
