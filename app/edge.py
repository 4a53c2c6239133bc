"""The edge app: its adapters, the services built on them in the lifespan,
the presence sweeper, and the Starlette app (HTTP API + WebSocket)."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket

from app.codecs import record_cipher
from app.edge_health import health_routes
from app.edge_registration import EdgeRegistration
from app.health import process_health
from app.media import MediaAdapters, clean_media_forever, media_service
from app.metrics import process_metrics
from app.settings import Settings
from app.web_client import BUNDLED_WEB_DIR, SecurityHeaders, web_routes
from commands.accounts import Accounts, AccountStore, Session
from commands.admission import SendAdmission
from commands.audit import AuditAccess
from commands.blocks import Blocks
from commands.change_gateway import ChangeGateway
from commands.counted import CountedAdmission, CountedRateLimiter
from commands.devices import Devices, DeviceStore, PushOptions
from commands.discovery import Discovery, EdgeEntry, EdgeRegistry
from commands.gateway import CommandGateway, GatewayLimits
from commands.kept_ids import HistoryWait
from commands.limits import Bucket, RateLimiter
from commands.media_cleanup import MediaCleanup
from commands.ports import LogPublisher
from commands.presence import PresenceLeases, PresenceService, PresenceSettings
from commands.relationship_gateway import RelationReads, RelationshipGateway
from commands.tus_uploads import TusUploads
from domain.ids import MessageIdGenerator
from projections.audit_ports import AuditQueries
from projections.friends_ports import FriendQueries
from projections.notification_ports import DecisionLog
from projections.queries import Contacts, ConversationQueries, PresenceReader, posted_by
from projections.search import MessageSearch
from read_api.app import api_routes
from read_api.errors import exception_handlers
from read_api.services import ApiServices, ApiState, ReadLimit
from ws_edge.endpoint import SOCKET_PATH, websocket_endpoint
from ws_edge.endpoint import routes as ws_routes
from ws_edge.ports import FanoutSubscriber
from ws_edge.registry import SocketRegistry
from ws_edge.services import SocketLimits, SocketServices, SocketState

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class EdgeAdapters:
    """The ports the edge process needs, open for the app's lifetime."""

    commands: LogPublisher
    queries: ConversationQueries
    account_store: AccountStore
    fanout: FanoutSubscriber
    admission: SendAdmission
    presence_leases: PresenceLeases
    presence_changes: LogPublisher
    presence_reader: PresenceReader
    contacts: Contacts
    rate_limiter: RateLimiter
    devices: DeviceStore
    decisions: DecisionLog
    push: PushOptions
    friends: FriendsReads
    audit: AuditQueries
    edges: EdgeRegistry
    # What /readyz checks (name -> raises unless the service answers).
    probes: Mapping[str, Callable[[], Awaitable[None]]] = field(default_factory=dict)
    search: MessageSearch | None = None
    media: MediaAdapters | None = None


class FriendsReads(FriendQueries, Blocks, RelationReads, Protocol):
    """The friends projection's read models, as the edge reads them."""


EdgeAdaptersFactory = Callable[[Settings], AbstractAsyncContextManager[EdgeAdapters]]


class EdgeState(ApiState, SocketState):
    """The app's lifespan state: what the routes and the sockets are given."""


def edge_services(
    settings: Settings,
    adapters: EdgeAdapters,
    sockets: SocketRegistry,
    clock: Callable[[], datetime] = utc_now,
) -> EdgeState:
    metrics = process_metrics()
    limiter = CountedRateLimiter(adapters.rate_limiter, metrics)
    login_rate = settings.login_attempts_per_minute
    accounts = Accounts(
        adapters.account_store,
        timedelta(seconds=settings.session_ttl_seconds),
        limiter,
        Bucket(burst=max(1, int(login_rate)), per_second=login_rate / 60),
        claims=adapters.admission,
    )
    gateway = CommandGateway(
        adapters.commands,
        adapters.queries,
        adapters.account_store,
        CountedAdmission(adapters.admission, metrics),
        MessageIdGenerator(settings.worker_id),
        clock,
        GatewayLimits(
            send_bucket=Bucket(burst=settings.send_burst, per_second=settings.send_rate_per_second),
            max_group_size=settings.max_group_size,
            member_cache_seconds=settings.member_cache_seconds,
        ),
        record_cipher(settings),
        blocks=adapters.friends,
        history=adapters.queries,
        history_wait=HistoryWait(seconds=settings.claims_history_wait_seconds),
    )
    relationships = RelationshipGateway(
        adapters.commands,
        adapters.account_store,
        adapters.friends,
        adapters.rate_limiter,
        clock,
        _per_hour(settings.friend_requests_per_hour),
        record_cipher(settings),
    )

    async def end_session(session: Session) -> None:
        await adapters.fanout.end_session(session.session_id)

    presence = PresenceService(
        adapters.presence_leases,
        adapters.presence_changes,
        clock,
        PresenceSettings(lease_ttl=settings.presence_ttl_seconds),
    )
    media = (
        media_service(settings, adapters.media, clock, adapters.rate_limiter)
        if adapters.media is not None
        else None
    )
    api = ApiServices(
        accounts,
        gateway,
        adapters.queries,
        clock,
        end_session,
        adapters.presence_reader,
        adapters.contacts,
        Devices(adapters.devices, adapters.push),
        adapters.decisions,
        relationships,
        adapters.friends,
        adapters.friends,
        AuditAccess(adapters.commands, adapters.audit, clock, record_cipher(settings)),
        adapters.audit,
        read_limit=ReadLimit(
            limiter, Bucket(burst=settings.read_burst, per_second=settings.read_rate_per_second)
        ),
        metrics=metrics,
        search=adapters.search,
        media=media,
        uploads=TusUploads(settings.media_upload_dir) if media is not None else None,
        discovery=Discovery(adapters.edges, clock),
    )
    ws = SocketServices(
        accounts,
        gateway,
        adapters.queries,
        adapters.fanout,
        clock,
        presence,
        settings.edge_id,
        limiter,
        sockets,
        settings.allowed_origins,
        SocketLimits(
            auth_timeout=settings.ws_auth_timeout_seconds,
            max_sockets=settings.max_sockets_per_user,
            send_queue_frames=settings.ws_send_queue_frames,
            receipt_bucket=Bucket(
                burst=settings.receipt_burst, per_second=settings.receipt_rate_per_second
            ),
        ),
        blocks=adapters.friends,
        metrics=metrics,
        changes=ChangeGateway(
            adapters.commands,
            adapters.queries,
            functools.partial(posted_by, adapters.queries),
            adapters.rate_limiter,
            clock,
            Bucket(burst=settings.change_burst, per_second=settings.change_rate_per_second),
            record_cipher(settings),
        ),
        media=media,
    )
    return EdgeState(api=api, ws=ws)


def _per_hour(rate: float) -> Bucket:
    """``rate`` at once, then ``rate`` an hour."""
    return Bucket(burst=max(1, int(rate)), per_second=rate / 3600)


async def sweep_presence(presence: PresenceService) -> None:
    """Turns the users of dead edges offline (any edge may do it; each user once)."""
    while True:
        await asyncio.sleep(presence.settings.sweep_interval)
        try:
            await presence.sweep()
        except Exception as error:  # the next round tries again
            log.warning("presence sweep failed: %s", error)


def media_cleanup_tasks(
    settings: Settings, adapters: EdgeAdapters, api: ApiServices
) -> list[asyncio.Task[None]]:
    if adapters.media is None:
        return []
    cleanup = MediaCleanup(
        adapters.media.blobs,
        adapters.media.catalog,
        adapters.media.sharing,
        api.uploads,
        timedelta(seconds=settings.media_upload_max_age_seconds),
        utc_now,
    )
    interval = settings.media_cleanup_interval_seconds
    return [asyncio.create_task(clean_media_forever(cleanup, interval))]


class EdgeApplication(Starlette):
    """The Starlette app, but sockets of ``/v1/ws`` go straight to their
    endpoint: the middleware and router layers would each keep a suspended
    frame for the socket's whole life (a few KiB per idle socket)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and scope["path"] == SOCKET_PATH:
            scope["app"] = self
            await websocket_endpoint(WebSocket(scope, receive, send))
            return
        await super().__call__(scope, receive, send)


def create_app(settings: Settings, adapters_factory: EdgeAdaptersFactory) -> Starlette:
    """The edge app; ``app.state.sockets`` lets the server close sockets on shutdown."""
    sockets = SocketRegistry()
    process_health().max_lag = settings.ready_max_lag
    process_metrics().count_sockets(lambda: len(sockets))

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[EdgeState]:
        async with adapters_factory(settings) as adapters:
            state = edge_services(settings, adapters, sockets)
            adapters.fanout.on_session_ended(sockets.session_ended)
            adapters.fanout.on_pushes_lost(sockets.pushes_lost)
            app.state.probes = adapters.probes
            registration = EdgeRegistration(
                adapters.edges,
                EdgeEntry(settings.edge_id, settings.ws_url),
                settings.edge_lease_seconds,
                utc_now,
            )
            await registration.start()
            app.state.drain = registration.drain
            tasks = [asyncio.create_task(sweep_presence(state["ws"].presence))]
            tasks += media_cleanup_tasks(settings, adapters, state["api"])
            try:
                yield state
            finally:
                for task in tasks:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
                await registration.stop()
                with contextlib.suppress(Exception):  # its lease runs out anyway
                    await adapters.edges.deregister(settings.edge_id)

    web_dir = Path(settings.web_dir) if settings.web_dir else BUNDLED_WEB_DIR
    app = EdgeApplication(
        routes=[*api_routes(), *ws_routes, *health_routes(), *web_routes(web_dir)],
        middleware=[Middleware(SecurityHeaders, peers=settings.allowed_origins)],
        exception_handlers=exception_handlers(),
        lifespan=lifespan,
    )
    app.state.sockets = sockets
    return app
