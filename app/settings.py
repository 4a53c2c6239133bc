"""Settings, from environment variables (see README.md, "Configuration").

Each setting is declared once, with its variable and its default; the
defaults that a layer owns (group size, socket limits, presence lease) are
taken from that layer.
"""

from __future__ import annotations

import json
import os
import re
import socket
import uuid
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field, fields
from typing import Any

from commands.admission import UNCONFIRMED_SECONDS
from commands.gateway import GatewayLimits
from commands.kept_ids import HISTORY_WAIT_SECONDS
from commands.media_types import DEFAULT_LIMITS, DEFAULT_TYPES
from commands.presence import PresenceSettings
from commands.snapshots import SnapshotSettings
from domain.membership_rules import DEFAULT_MAX_GROUP_SIZE
from infra.kafka.config import KafkaConfig
from infra.kafka.processor_log import MAX_POLL_INTERVAL_MS
from infra.redis.clients import is_cluster_url, seed_nodes
from ws_edge.services import SocketLimits

Parse = Callable[[str, str], Any]


class SettingsError(ValueError):
    """A setting is missing or malformed."""


def _text(name: str, raw: str) -> str:
    return raw


def _int(name: str, raw: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None


def _number(name: str, raw: str) -> float:
    try:
        return float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None


def _positive(name: str, raw: str) -> float:
    value = _number(name, raw)
    if not value > 0:
        raise SettingsError(f"{name} must be positive")
    return value


def _non_negative(name: str, raw: str) -> float:
    value = _number(name, raw)
    if not value >= 0:
        raise SettingsError(f"{name} must be zero or more")
    return value


def _bool(name: str, raw: str) -> bool:
    if raw.lower() in ("1", "true", "yes", "on"):
        return True
    if raw.lower() in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be 1 or 0, got {raw!r}")


def _log_format(name: str, raw: str) -> str:
    if raw not in ("text", "json"):
        raise SettingsError(f"{name} must be text or json, got {raw!r}")
    return raw


def _list(name: str, raw: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in raw.split(",") if item.strip())


def _kafka_properties(name: str, raw: str) -> dict[str, str]:
    """A JSON object of librdkafka properties."""
    try:
        parsed = json.loads(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a JSON object") from None
    if not isinstance(parsed, dict) or not all(
        isinstance(v, (str, int, float, bool)) for v in parsed.values()
    ):
        raise SettingsError(f"{name} must map property names to values")
    return {
        str(key): str(value).lower() if isinstance(value, bool) else str(value)
        for key, value in parsed.items()
    }


def _read_secret_file(name: str, path: str) -> str:
    try:
        with open(path, encoding="utf-8") as secret:
            return secret.read().strip()
    except OSError as error:
        raise SettingsError(f"{name}_FILE cannot be read: {error}") from None


def _setting(variable: str, default: Any, parse: Parse = _text, *, secret: bool = False) -> Any:
    """A field read from ``variable`` (empty or unset: the default). A secret
    may come from the file that ``<variable>_FILE`` names, and is never shown."""
    metadata = {"variable": variable, "parse": parse, "secret": secret}
    if callable(default):
        return field(default_factory=default, metadata=metadata, repr=not secret)
    return field(default=default, metadata=metadata, repr=not secret)


def _fanout_mode(name: str, raw: str) -> str:
    if raw not in ("user", "edge"):
        raise SettingsError(f"{name} must be user or edge, got {raw!r}")
    return raw


def _default_edge_id() -> str:
    return uuid.uuid4().hex[:12]


def _default_worker_id() -> int:
    return os.getpid() % 1024


_EDGE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_LIMITS = SocketLimits()
_PRESENCE = PresenceSettings()


@dataclass(frozen=True)
class Settings:
    kafka_bootstrap: str = _setting("CHAT_KAFKA_BOOTSTRAP", "")
    postgres_dsn: str = _setting("CHAT_POSTGRES_DSN", "")
    # The edge's reads (history, inbox, search, friends...): a streaming
    # replica; empty: the primary (docs/operations.md).
    postgres_read_dsn: str = _setting("CHAT_POSTGRES_READ_DSN", "")
    # redis://host:port/db (one Redis) or redis+cluster://host:port[,host:port...]
    # (Redis Cluster seeds): infra/redis/clients.py
    redis_url: str = _setting("CHAT_REDIS_URL", "")
    topic_prefix: str = _setting("CHAT_TOPIC_PREFIX", "")
    partitions: int = _setting("CHAT_PARTITIONS", 8, _int)
    pg_schema: str = _setting("CHAT_PG_SCHEMA", "chat")
    redis_prefix: str = _setting("CHAT_REDIS_PREFIX", "chat:")
    host: str = _setting("CHAT_HOST", "127.0.0.1")
    port: int = _setting("CHAT_PORT", 8000, _int)
    worker_id: int = _setting("CHAT_WORKER_ID", _default_worker_id, _int)
    allowed_origins: tuple[str, ...] = _setting("CHAT_ALLOWED_ORIGINS", tuple, _list)
    # Discovery (docs/scaling.md): this edge's id and the socket URL clients are sent to.
    edge_id: str = _setting("CHAT_EDGE_ID", _default_edge_id)
    edge_public_ws_url: str = _setting("CHAT_EDGE_PUBLIC_WS_URL", "")
    edge_lease_seconds: float = _setting("CHAT_EDGE_LEASE_SECONDS", 15.0, _positive)
    # Fan-out: one channel per edge holding recipients (docs/scaling.md), or one per user.
    fanout_mode: str = _setting("CHAT_FANOUT_MODE", "edge", _fanout_mode)
    # The web client's folder (index.html, assets/); empty: web/ of this checkout.
    web_dir: str = _setting("CHAT_WEB_DIR", "")
    session_ttl_seconds: int = _setting("CHAT_SESSION_TTL_SECONDS", 30 * 24 * 3600, _int)
    max_group_size: int = _setting("CHAT_MAX_GROUP_SIZE", DEFAULT_MAX_GROUP_SIZE, _int)
    consumer_group_prefix: str = _setting("CHAT_CONSUMER_GROUP_PREFIX", "chat")
    processor_id: str = _setting("CHAT_PROCESSOR_ID", "")
    kafka_session_timeout_ms: int = _setting("CHAT_KAFKA_SESSION_TIMEOUT_MS", 10_000, _int)
    ws_auth_timeout_seconds: float = _setting(
        "CHAT_WS_AUTH_TIMEOUT_SECONDS", _LIMITS.auth_timeout, _positive
    )
    presence_ttl_seconds: float = _setting(
        "CHAT_PRESENCE_TTL_SECONDS", _PRESENCE.lease_ttl, _positive
    )
    send_rate_per_second: float = _setting("CHAT_SEND_RATE_PER_SECOND", 5.0, _positive)
    send_burst: int = _setting("CHAT_SEND_BURST", 30, _int)
    change_rate_per_second: float = _setting("CHAT_CHANGE_RATE_PER_SECOND", 5.0, _positive)
    change_burst: int = _setting("CHAT_CHANGE_BURST", 30, _int)
    search_language: str = _setting("CHAT_SEARCH_LANGUAGE", "simple")
    snapshot_every_events: int = _setting(
        "CHAT_SNAPSHOT_EVERY_EVENTS", SnapshotSettings.every_events, _int
    )
    processor_max_poll_interval_ms: int = _setting(
        "CHAT_PROCESSOR_MAX_POLL_INTERVAL_MS", MAX_POLL_INTERVAL_MS, _int
    )
    snapshot_every_seconds: float = _setting(
        "CHAT_SNAPSHOT_EVERY_SECONDS", SnapshotSettings.every_seconds, _positive
    )
    member_cache_seconds: float = _setting(
        "CHAT_MEMBER_CACHE_SECONDS", GatewayLimits.member_cache_seconds, _non_negative
    )
    claims_unconfirmed_seconds: float = _setting(
        "CHAT_CLAIMS_UNCONFIRMED_SECONDS", UNCONFIRMED_SECONDS, _non_negative
    )
    claims_history_wait_seconds: float = _setting(
        "CHAT_CLAIMS_HISTORY_WAIT_SECONDS", HISTORY_WAIT_SECONDS, _positive
    )
    login_attempts_per_minute: float = _setting("CHAT_LOGIN_ATTEMPTS_PER_MINUTE", 10.0, _positive)
    friend_requests_per_hour: float = _setting("CHAT_FRIEND_REQUESTS_PER_HOUR", 30.0, _positive)
    max_sockets_per_user: int = _setting("CHAT_MAX_SOCKETS_PER_USER", _LIMITS.max_sockets, _int)
    ws_send_queue_frames: int = _setting(
        "CHAT_WS_SEND_QUEUE_FRAMES", _LIMITS.send_queue_frames, _int
    )
    event_cipher_key: str = _setting("CHAT_EVENT_CIPHER_KEY", "", secret=True)
    # librdkafka properties for every Kafka client (TLS, SASL, ...).
    kafka_client_config: Mapping[str, str] = _setting(
        "CHAT_KAFKA_CONFIG", dict, _kafka_properties, secret=True
    )
    # Push notifications (docs/notifications.md).
    push_gateway_url: str = _setting("CHAT_PUSH_GATEWAY_URL", "")
    vapid_private_key: str = _setting("CHAT_VAPID_PRIVATE_KEY", "", secret=True)
    vapid_subject: str = _setting("CHAT_VAPID_SUBJECT", "mailto:admin@example.org")
    push_include_body: bool = _setting("CHAT_PUSH_INCLUDE_BODY", False, _bool)
    push_allow_loopback: bool = _setting("CHAT_PUSH_ALLOW_LOOPBACK", False, _bool)
    push_timeout_seconds: float = _setting("CHAT_PUSH_TIMEOUT_SECONDS", 10.0, _positive)
    push_max_attempts: int = _setting("CHAT_PUSH_MAX_ATTEMPTS", 5, _int)
    push_retry_base_seconds: float = _setting("CHAT_PUSH_RETRY_BASE_SECONDS", 1.0, _positive)
    push_lease_seconds: float = _setting("CHAT_PUSH_LEASE_SECONDS", 30.0, _positive)
    push_queue_per_destination: int = _setting("CHAT_PUSH_QUEUE_PER_DESTINATION", 100, _int)
    push_breaker_failures: int = _setting("CHAT_PUSH_BREAKER_FAILURES", 5, _int)
    push_breaker_cooldown_seconds: float = _setting(
        "CHAT_PUSH_BREAKER_COOLDOWN_SECONDS", 30.0, _positive
    )
    push_max_age_seconds: float = _setting("CHAT_PUSH_MAX_AGE_SECONDS", 600.0, _positive)
    push_retention_seconds: float = _setting(
        "CHAT_PUSH_RETENTION_SECONDS", 7 * 24 * 3600.0, _positive
    )
    # Operations (docs/operations.md): topics, health, metrics, logs, limits.
    replication_factor: int = _setting("CHAT_REPLICATION_FACTOR", 1, _int)
    min_insync_replicas: int = _setting("CHAT_MIN_INSYNC_REPLICAS", 0, _int)  # 0: min(2, RF)
    log_format: str = _setting("CHAT_LOG_FORMAT", "text", _log_format)
    health_host: str = _setting("CHAT_HEALTH_HOST", "127.0.0.1")
    processor_health_port: int = _setting("CHAT_PROCESSOR_HEALTH_PORT", 0, _int)
    projector_health_port: int = _setting("CHAT_PROJECTOR_HEALTH_PORT", 0, _int)
    notifier_health_port: int = _setting("CHAT_NOTIFIER_HEALTH_PORT", 0, _int)
    friends_health_port: int = _setting("CHAT_FRIENDS_HEALTH_PORT", 0, _int)
    ready_max_lag: int = _setting("CHAT_READY_MAX_LAG", 1000, _int)
    read_rate_per_second: float = _setting("CHAT_READ_RATE_PER_SECOND", 30.0, _positive)
    read_burst: int = _setting("CHAT_READ_BURST", 300, _int)
    receipt_rate_per_second: float = _setting("CHAT_RECEIPT_RATE_PER_SECOND", 20.0, _positive)
    receipt_burst: int = _setting("CHAT_RECEIPT_BURST", 100, _int)
    # Media (docs/media.md): blobs on S3 when CHAT_S3_BUCKET is set, else in CHAT_MEDIA_DIR.
    media_dir: str = _setting("CHAT_MEDIA_DIR", ".state/media")
    s3_endpoint: str = _setting("CHAT_S3_ENDPOINT", "")
    s3_bucket: str = _setting("CHAT_S3_BUCKET", "")
    s3_region: str = _setting("CHAT_S3_REGION", "us-east-1")
    s3_prefix: str = _setting("CHAT_S3_PREFIX", "blobs/")
    s3_access_key_id: str = _setting("CHAT_S3_ACCESS_KEY_ID", "", secret=True)
    s3_secret_access_key: str = _setting("CHAT_S3_SECRET_ACCESS_KEY", "", secret=True)
    media_types: tuple[str, ...] = _setting("CHAT_MEDIA_TYPES", DEFAULT_TYPES, _list)
    media_max_image_bytes: int = _setting(
        "CHAT_MEDIA_MAX_IMAGE_BYTES", DEFAULT_LIMITS["image"], _int
    )
    media_max_voice_bytes: int = _setting(
        "CHAT_MEDIA_MAX_VOICE_BYTES", DEFAULT_LIMITS["voice"], _int
    )
    media_max_video_bytes: int = _setting(
        "CHAT_MEDIA_MAX_VIDEO_BYTES", DEFAULT_LIMITS["video"], _int
    )
    media_max_file_bytes: int = _setting("CHAT_MEDIA_MAX_FILE_BYTES", DEFAULT_LIMITS["file"], _int)
    media_uploads_per_minute: float = _setting("CHAT_MEDIA_UPLOADS_PER_MINUTE", 30.0, _positive)
    media_bytes_per_day: int = _setting("CHAT_MEDIA_BYTES_PER_DAY", 2 * 1024**3, _int)
    media_inspect_seconds: float = _setting("CHAT_MEDIA_INSPECT_SECONDS", 20.0, _positive)
    # Resumable (tus) uploads in progress; removed once older than the max age.
    media_upload_dir: str = _setting("CHAT_MEDIA_UPLOAD_DIR", ".state/uploads")
    media_upload_max_age_seconds: float = _setting(
        "CHAT_MEDIA_UPLOAD_MAX_AGE_SECONDS", 24 * 3600.0, _positive
    )
    media_cleanup_interval_seconds: float = _setting(
        "CHAT_MEDIA_CLEANUP_INTERVAL_SECONDS", 3600.0, _positive
    )

    @property
    def embedded(self) -> bool:
        """No service configured: everything in memory, in one process."""
        return not (self.kafka_bootstrap or self.postgres_dsn or self.redis_url)

    @property
    def read_dsn(self) -> str:
        """Where the edge's read queries go: the replica if set, else the primary."""
        return self.postgres_read_dsn or self.postgres_dsn

    @property
    def ws_url(self) -> str:
        """CHAT_EDGE_PUBLIC_WS_URL, or ``ws://<host>:<port>/v1/ws`` (a wildcard
        host: this machine's name)."""
        if self.edge_public_ws_url:
            return self.edge_public_ws_url
        host = socket.gethostname() if self.host in ("0.0.0.0", "::", "") else self.host
        host = f"[{host}]" if ":" in host else host
        return f"ws://{host}:{self.port}/v1/ws"

    @property
    def commands_topic(self) -> str:
        return f"{self.topic_prefix}chat.commands"

    @property
    def events_topic(self) -> str:
        return f"{self.topic_prefix}chat.events"

    @property
    def presence_topic(self) -> str:
        return f"{self.topic_prefix}chat.presence"

    @property
    def parked_topic(self) -> str:
        """The dead-letter topic: records of chat.commands and chat.events
        that could not be decoded or applied, with the error."""
        return f"{self.topic_prefix}chat.parked"

    @property
    def kafka(self) -> KafkaConfig:
        return KafkaConfig(
            self.kafka_bootstrap, self.kafka_client_config, self.kafka_session_timeout_ms
        )

    @property
    def snapshots(self) -> SnapshotSettings:
        return SnapshotSettings(self.snapshot_every_events, self.snapshot_every_seconds)

    def group(self, role: str) -> str:
        """The consumer group of a role (``processor``, ``projector``, ...)."""
        return f"{self.consumer_group_prefix}-{role}"

    def require_services(self) -> None:
        missing = [
            name
            for name, value in (
                ("CHAT_KAFKA_BOOTSTRAP", self.kafka_bootstrap),
                ("CHAT_POSTGRES_DSN", self.postgres_dsn),
                ("CHAT_REDIS_URL", self.redis_url),
            )
            if not value
        ]
        if missing:
            raise SettingsError("not set: " + ", ".join(missing))

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        given = {
            spec.name: value
            for spec in fields(cls)
            if (value := _read(spec.metadata, env)) is not MISSING
        }
        settings = cls(**given)
        settings._check()
        return settings

    def _check(self) -> None:
        if self.ws_send_queue_frames < 2:
            raise SettingsError("CHAT_WS_SEND_QUEUE_FRAMES must be at least 2")
        if not 1 <= self.partitions <= 1024:
            raise SettingsError("CHAT_PARTITIONS must be 1..1024")
        if not self.pg_schema.isidentifier():
            raise SettingsError("CHAT_PG_SCHEMA must be a plain identifier")
        if not self.search_language.isidentifier():
            raise SettingsError("CHAT_SEARCH_LANGUAGE must name a text search configuration")
        if self.push_max_attempts < 1 or self.push_queue_per_destination < 1:
            raise SettingsError("CHAT_PUSH_MAX_ATTEMPTS and _QUEUE_PER_DESTINATION must be >= 1")
        if self.replication_factor < 1:
            raise SettingsError("CHAT_REPLICATION_FACTOR must be at least 1")
        if not 0 <= self.min_insync_replicas <= self.replication_factor:
            raise SettingsError(
                "CHAT_MIN_INSYNC_REPLICAS must be 0 (min(2, RF)) up to CHAT_REPLICATION_FACTOR"
            )
        if min(self.read_burst, self.receipt_burst) < 1:
            raise SettingsError("CHAT_READ_BURST and CHAT_RECEIPT_BURST must be at least 1")
        if not _EDGE_ID.fullmatch(self.edge_id):
            raise SettingsError("CHAT_EDGE_ID must be 1 to 64 of A-Z a-z 0-9 _ -")
        if self.edge_public_ws_url and not self.edge_public_ws_url.startswith(("ws://", "wss://")):
            raise SettingsError("CHAT_EDGE_PUBLIC_WS_URL must be a ws:// or wss:// URL")
        if self.snapshot_every_events < 1:
            raise SettingsError("CHAT_SNAPSHOT_EVERY_EVENTS must be at least 1")
        if is_cluster_url(self.redis_url):
            try:
                seed_nodes(self.redis_url)
            except ValueError as error:
                raise SettingsError(f"CHAT_REDIS_URL: {error}") from None


def _read(metadata: Mapping[str, Any], env: Mapping[str, str]) -> Any:
    """The parsed value of one setting, or MISSING (use the default)."""
    variable: str = metadata["variable"]
    raw = env.get(variable, "")
    if metadata["secret"] and env.get(f"{variable}_FILE"):
        raw = _read_secret_file(variable, env[f"{variable}_FILE"])
    if raw == "":
        return MISSING
    parse: Parse = metadata["parse"]
    return parse(variable, raw)
