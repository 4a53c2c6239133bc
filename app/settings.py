"""Settings, from environment variables (see README.md, "Configuration")."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field


class SettingsError(ValueError):
    """A setting is missing or malformed."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "")
    if raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be an integer, got {raw!r}") from None


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name, "")
    if raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, got {raw!r}") from None
    if not value > 0:
        raise SettingsError(f"{name} must be positive")
    return value


def _secret(env: Mapping[str, str], name: str) -> str:
    """A secret from the variable itself, or from the file ``<NAME>_FILE`` names."""
    path = env.get(f"{name}_FILE", "")
    if path:
        try:
            with open(path, encoding="utf-8") as secret:
                return secret.read().strip()
        except OSError as error:
            raise SettingsError(f"{name}_FILE cannot be read: {error}") from None
    return env.get(name, "")


def _client_config(raw: str) -> dict[str, str]:
    """CHAT_KAFKA_CONFIG: a JSON object of librdkafka properties."""
    if not raw:
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        raise SettingsError("CHAT_KAFKA_CONFIG must be a JSON object") from None
    if not isinstance(parsed, dict) or not all(
        isinstance(v, (str, int, float, bool)) for v in parsed.values()
    ):
        raise SettingsError("CHAT_KAFKA_CONFIG must map property names to values")
    return {
        str(key): str(value).lower() if isinstance(value, bool) else str(value)
        for key, value in parsed.items()
    }


def _list(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in env.get(name, "").split(",") if item.strip())


@dataclass(frozen=True)
class Settings:
    kafka_bootstrap: str = ""
    postgres_dsn: str = ""
    redis_url: str = ""
    topic_prefix: str = ""
    partitions: int = 8
    pg_schema: str = "chat"
    redis_prefix: str = "chat:"
    host: str = "127.0.0.1"
    port: int = 8000
    worker_id: int = 0
    allowed_origins: tuple[str, ...] = field(default_factory=tuple)
    session_ttl_seconds: int = 30 * 24 * 3600
    max_group_size: int = 1000
    consumer_group_prefix: str = "chat"
    kafka_session_timeout_ms: int = 10_000
    ws_auth_timeout_seconds: float = 10.0
    presence_ttl_seconds: float = 40.0
    send_rate_per_second: float = 5.0
    send_burst: int = 30
    login_attempts_per_minute: float = 10.0
    max_sockets_per_user: int = 10
    ws_send_queue_frames: int = 1000
    event_cipher_key: str = field(default="", repr=False)
    # librdkafka properties for every Kafka client (TLS, SASL, ...).
    kafka_client_config: Mapping[str, str] = field(default_factory=dict, repr=False)

    @property
    def embedded(self) -> bool:
        """No service configured: everything in memory, in one process."""
        return not (self.kafka_bootstrap or self.postgres_dsn or self.redis_url)

    @property
    def commands_topic(self) -> str:
        return f"{self.topic_prefix}chat.commands"

    @property
    def events_topic(self) -> str:
        return f"{self.topic_prefix}chat.events"

    @property
    def presence_topic(self) -> str:
        return f"{self.topic_prefix}chat.presence"

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
        settings = cls(
            kafka_bootstrap=env.get("CHAT_KAFKA_BOOTSTRAP", ""),
            postgres_dsn=env.get("CHAT_POSTGRES_DSN", ""),
            redis_url=env.get("CHAT_REDIS_URL", ""),
            topic_prefix=env.get("CHAT_TOPIC_PREFIX", ""),
            partitions=_int(env, "CHAT_PARTITIONS", 8),
            pg_schema=env.get("CHAT_PG_SCHEMA", "chat"),
            redis_prefix=env.get("CHAT_REDIS_PREFIX", "chat:"),
            host=env.get("CHAT_HOST", "127.0.0.1"),
            port=_int(env, "CHAT_PORT", 8000),
            worker_id=_int(env, "CHAT_WORKER_ID", os.getpid() % 1024),
            allowed_origins=_list(env, "CHAT_ALLOWED_ORIGINS"),
            session_ttl_seconds=_int(env, "CHAT_SESSION_TTL_SECONDS", 30 * 24 * 3600),
            max_group_size=_int(env, "CHAT_MAX_GROUP_SIZE", 1000),
            consumer_group_prefix=env.get("CHAT_CONSUMER_GROUP_PREFIX", "chat"),
            kafka_session_timeout_ms=_int(env, "CHAT_KAFKA_SESSION_TIMEOUT_MS", 10_000),
            ws_auth_timeout_seconds=_float(env, "CHAT_WS_AUTH_TIMEOUT_SECONDS", 10.0),
            presence_ttl_seconds=_float(env, "CHAT_PRESENCE_TTL_SECONDS", 40.0),
            send_rate_per_second=_float(env, "CHAT_SEND_RATE_PER_SECOND", 5.0),
            send_burst=_int(env, "CHAT_SEND_BURST", 30),
            login_attempts_per_minute=_float(env, "CHAT_LOGIN_ATTEMPTS_PER_MINUTE", 10.0),
            max_sockets_per_user=_int(env, "CHAT_MAX_SOCKETS_PER_USER", 10),
            ws_send_queue_frames=_int(env, "CHAT_WS_SEND_QUEUE_FRAMES", 1000),
            event_cipher_key=_secret(env, "CHAT_EVENT_CIPHER_KEY"),
            kafka_client_config=_client_config(_secret(env, "CHAT_KAFKA_CONFIG")),
        )
        if settings.ws_send_queue_frames < 2:
            raise SettingsError("CHAT_WS_SEND_QUEUE_FRAMES must be at least 2")
        if not 1 <= settings.partitions <= 1024:
            raise SettingsError("CHAT_PARTITIONS must be 1..1024")
        if not settings.pg_schema.isidentifier():
            raise SettingsError("CHAT_PG_SCHEMA must be a plain identifier")
        return settings
