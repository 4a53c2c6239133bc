"""The topics the roles create on the three-node cluster: three replicas
on three racks, two in sync for a write, no unclean leader election."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from confluent_kafka.admin import AdminClient
from confluent_kafka.admin._config import ConfigResource
from confluent_kafka.admin._resource import ResourceType

from infra.kafka.config import KafkaConfig
from infra.kafka.topics import chat_topics, ensure_topics
from tests.support.kafka_cluster import NODES, KafkaCluster


@pytest.fixture
def cluster() -> Iterator[KafkaCluster]:
    running = KafkaCluster()
    running.start()
    try:
        yield running
    finally:
        running.stop()


def test_the_chat_topics_get_three_replicas_and_two_in_sync_on_the_cluster(
    cluster: KafkaCluster, unique_name: str
) -> None:
    names = chat_topics(f"{unique_name}.c", f"{unique_name}.e", f"{unique_name}.p")
    try:
        ensure_topics(KafkaConfig(cluster.bootstrap), names, 4, replication_factor=3)
        admin = AdminClient({"bootstrap.servers": cluster.bootstrap})
        metadata = admin.list_topics(timeout=10)
        for name in names:
            partitions = metadata.topics[name].partitions.values()
            assert all(sorted(p.replicas) == list(NODES) for p in partitions)
            assert all(len(p.isrs) == 3 for p in partitions)
            resource = ConfigResource(ResourceType.TOPIC, name)
            config = admin.describe_configs([resource])[resource].result(timeout=10)
            assert config["min.insync.replicas"].value == "2"
            assert config["unclean.leader.election.enable"].value == "false"
    finally:
        cluster.delete_topics(f"{unique_name}.")


def test_the_brokers_keep_offsets_and_transactions_on_three_replicas_two_in_sync(
    cluster: KafkaCluster,
) -> None:
    admin = AdminClient({"bootstrap.servers": cluster.bootstrap})
    wanted = {
        "offsets.topic.replication.factor": "3",
        "transaction.state.log.replication.factor": "3",
        "transaction.state.log.min.isr": "2",
        "min.insync.replicas": "2",
        "unclean.leader.election.enable": "false",
    }
    for node in NODES:
        resource = ConfigResource(ResourceType.BROKER, str(node))
        config = admin.describe_configs([resource])[resource].result(timeout=10)
        assert {key: config[key].value for key in wanted} == wanted
        assert config["broker.rack"].value == f"r{node}"
