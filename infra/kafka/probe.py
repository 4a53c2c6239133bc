"""Is the cluster reachable: one metadata request for a topic, bounded."""

from __future__ import annotations

from confluent_kafka import KafkaException, Producer
from confluent_kafka.admin import AdminClient

from commands.ports import LogUnavailable
from infra.kafka.config import KafkaConfig


def check_topic_metadata(client: AdminClient | Producer, topic: str, timeout: float) -> None:
    """Raises LogUnavailable unless a broker answers with ``topic`` and a
    leader for each of its partitions. ``client``: an AdminClient or Producer."""
    try:
        metadata = client.list_topics(topic, timeout=timeout)
    except KafkaException as error:
        raise LogUnavailable(f"no metadata: {error}") from error
    found = metadata.topics.get(topic)
    if found is None or found.error is not None:
        raise LogUnavailable(f"topic {topic} is not available")
    leaderless = [p for p, partition in found.partitions.items() if partition.leader < 0]
    if leaderless:
        raise LogUnavailable(f"partitions {sorted(leaderless)} of {topic} have no leader")


class KafkaProbe:
    """A role's own admin client, used only for its readiness."""

    def __init__(self, kafka: KafkaConfig, topic: str) -> None:
        self._admin = AdminClient(kafka.client())
        self._topic = topic

    def check(self, timeout: float) -> None:
        check_topic_metadata(self._admin, self._topic, timeout)
