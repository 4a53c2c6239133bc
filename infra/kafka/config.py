"""What every Kafka adapter is given: where the brokers are, the extra
librdkafka properties of the deployment (TLS, SASL, ...), and the consumer
group session timeout. A plain value, so that no adapter needs the
application's settings."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from confluent_kafka import KafkaError

log = logging.getLogger("infra.kafka")

Config = dict[str, Any]


def _log_client_error(error: KafkaError) -> None:
    if error.fatal():
        log.error("kafka fatal error: %s", error)
    else:
        log.warning("kafka error: %s", error)


@dataclass(frozen=True)
class KafkaConfig:
    bootstrap: str
    properties: Mapping[str, str] = field(default_factory=dict, repr=False)
    session_timeout_ms: int = 10_000

    def membership(self) -> Config:
        """A consumer group member's timeouts: the session, and a heartbeat
        every tenth of it (librdkafka's default is 3 s whatever the
        session). The session runs from the last heartbeat answered, so
        with 3 s heartbeats a 6 s session outlived only about 3 s of a
        coordinator that stopped answering (a killed broker's partitions
        move when it is fenced); with a tenth, about nine tenths of it."""
        return {
            "session.timeout.ms": self.session_timeout_ms,
            "heartbeat.interval.ms": max(100, self.session_timeout_ms // 10),
        }

    def client(self, overrides: Mapping[str, Any] | None = None) -> Config:
        """A client's configuration: the brokers, librdkafka's logs and errors
        to Python logging instead of stderr, the deployment's properties,
        then the client's own ``overrides``."""
        config: Config = {
            "bootstrap.servers": self.bootstrap,
            "logger": log,
            "error_cb": _log_client_error,
        }
        config.update(self.properties)
        config.update(overrides or {})
        return config
