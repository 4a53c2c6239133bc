"""The topics the roles create: replication and durability settings."""

from __future__ import annotations

import pytest
from confluent_kafka.cimpl import NewTopic

from app.settings import Settings, SettingsError
from infra.kafka.topics import chat_topics, new_topics

TOPICS = chat_topics("chat.commands", "chat.events", "chat.presence")


def configs(replication_factor: int) -> dict[str, dict[str, str]]:
    return {topic.topic: config_of(topic) for topic in new_topics(TOPICS, 8, replication_factor)}


def config_of(topic: NewTopic) -> dict[str, str]:
    assert topic.config is not None
    return dict(topic.config)


def test_with_replication_factor_3_every_topic_has_3_replicas_2_in_sync_and_no_unclean_leader() -> (
    None
):
    for topic in new_topics(TOPICS, 8, 3):
        assert topic.replication_factor == 3
        assert topic.num_partitions == 8
        assert config_of(topic)["min.insync.replicas"] == "2"
        assert config_of(topic)["unclean.leader.election.enable"] == "false"


def test_with_one_broker_one_replica_must_be_in_sync() -> None:
    for topic in new_topics(TOPICS, 8, 1):
        assert topic.replication_factor == 1
        assert config_of(topic)["min.insync.replicas"] == "1"


def test_each_topic_keeps_its_own_retention_and_cleanup_beside_the_durability_settings() -> None:
    topics = configs(3)
    assert topics["chat.events"]["retention.ms"] == "-1"
    presence = topics["chat.presence"]
    assert presence["cleanup.policy"] == "compact,delete"
    assert presence["min.insync.replicas"] == "2"


def test_the_replication_factor_comes_from_its_variable_and_defaults_to_one() -> None:
    assert Settings.from_env({}).replication_factor == 1
    assert Settings.from_env({"CHAT_REPLICATION_FACTOR": "3"}).replication_factor == 3


@pytest.mark.parametrize("raw", ["0", "three"])
def test_a_replication_factor_below_one_or_not_a_number_is_refused(raw: str) -> None:
    with pytest.raises(SettingsError, match="CHAT_REPLICATION_FACTOR"):
        Settings.from_env({"CHAT_REPLICATION_FACTOR": raw})


def test_the_dead_letter_topic_gets_the_same_durability_settings() -> None:
    topics = chat_topics("c", "e", "p", parked="chat.parked")
    [parked] = [t for t in new_topics(topics, 8, 3) if t.topic == "chat.parked"]
    assert parked.replication_factor == 3
    assert config_of(parked)["min.insync.replicas"] == "2"
    assert config_of(parked)["unclean.leader.election.enable"] == "false"


def test_an_explicit_min_insync_replicas_is_what_every_topic_gets() -> None:
    for topic in new_topics(TOPICS, 8, 3, min_insync=3):
        assert config_of(topic)["min.insync.replicas"] == "3"


def test_min_insync_replicas_comes_from_its_variable_and_defaults_to_min_of_2_and_rf() -> None:
    assert Settings.from_env({}).min_insync_replicas == 0
    env = {"CHAT_REPLICATION_FACTOR": "3", "CHAT_MIN_INSYNC_REPLICAS": "2"}
    assert Settings.from_env(env).min_insync_replicas == 2


@pytest.mark.parametrize(("rf", "raw"), [("3", "4"), ("1", "2"), ("3", "-1"), ("3", "two")])
def test_min_insync_replicas_above_the_replication_factor_or_negative_is_refused(
    rf: str, raw: str
) -> None:
    with pytest.raises(SettingsError, match="CHAT_MIN_INSYNC_REPLICAS"):
        Settings.from_env({"CHAT_REPLICATION_FACTOR": rf, "CHAT_MIN_INSYNC_REPLICAS": raw})
