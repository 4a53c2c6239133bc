from pathlib import Path

import pytest

from app.settings import Settings, SettingsError


def test_the_embedded_default_needs_no_variable() -> None:
    assert Settings.from_env({}).embedded


@pytest.mark.parametrize(
    "env",
    [
        {"CHAT_PARTITIONS": "0"},
        {"CHAT_PORT": "eighty"},
        {"CHAT_WS_SEND_QUEUE_FRAMES": "1"},
        {"CHAT_SEND_RATE_PER_SECOND": "-1"},
        {"CHAT_PG_SCHEMA": "a;drop"},
        {"CHAT_SNAPSHOT_EVERY_EVENTS": "0"},
        {"CHAT_SNAPSHOT_EVERY_SECONDS": "0"},
    ],
)
def test_a_malformed_setting_is_refused_with_its_name(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env(env)
    assert next(iter(env)) in str(refused.value)


def test_a_secret_can_come_from_a_file(tmp_path: Path) -> None:
    secret = tmp_path / "key"
    secret.write_text("c2VjcmV0LWtleS0xNmJ5dA==\n")
    settings = Settings.from_env({"CHAT_EVENT_CIPHER_KEY_FILE": str(secret)})
    assert settings.event_cipher_key == "c2VjcmV0LWtleS0xNmJ5dA=="
    assert "c2VjcmV0" not in repr(settings)


def test_kafka_client_properties_come_from_a_json_object() -> None:
    config = '{"security.protocol": "SASL_SSL", "sasl.mechanism": "PLAIN", "x.check": true}'
    settings = Settings.from_env({"CHAT_KAFKA_CONFIG": config})
    assert settings.kafka_client_config == {
        "security.protocol": "SASL_SSL",
        "sasl.mechanism": "PLAIN",
        "x.check": "true",
    }
    assert "SASL" not in repr(settings)


def test_kafka_client_properties_that_are_not_an_object_are_refused() -> None:
    with pytest.raises(SettingsError):
        Settings.from_env({"CHAT_KAFKA_CONFIG": '["security.protocol"]'})
