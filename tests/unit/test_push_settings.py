"""Push settings: the VAPID key (and its _FILE variant), the switches."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.cli import main
from app.notifier import push_options, vapid_keys
from app.settings import Settings, SettingsError
from infra.push.vapid import generate_vapid_keys, load_vapid_keys


def test_the_vapid_private_key_can_come_from_a_file_and_is_never_shown(tmp_path: Path) -> None:
    keys = generate_vapid_keys()
    secret = tmp_path / "vapid"
    secret.write_text(keys.private_key + "\n")
    settings = Settings.from_env({"CHAT_VAPID_PRIVATE_KEY_FILE": str(secret)})
    assert settings.vapid_private_key == keys.private_key
    assert keys.private_key not in repr(settings)
    assert push_options(settings, vapid_keys(settings)).vapid_public_key == keys.public_key


def test_a_malformed_vapid_key_is_refused_with_its_name() -> None:
    settings = Settings.from_env({"CHAT_VAPID_PRIVATE_KEY": "not-a-key"})
    with pytest.raises(SettingsError) as refused:
        vapid_keys(settings)
    assert "CHAT_VAPID_PRIVATE_KEY" in str(refused.value)


def test_without_a_key_the_real_stack_has_no_web_push_and_embedded_makes_one() -> None:
    settings = Settings.from_env({})
    assert vapid_keys(settings) is None
    made = vapid_keys(settings, ephemeral=True)
    assert made is not None and len(made.public_key) == 87


def test_the_printed_key_pair_loads_back_to_the_same_public_key(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["vapid-keys"]) == 0
    lines = capsys.readouterr().out.splitlines()
    private = lines[0].removeprefix("CHAT_VAPID_PRIVATE_KEY=")
    assert lines[1].endswith(load_vapid_keys(private).public_key)


@pytest.mark.parametrize(
    "raw, expected", [("1", True), ("true", True), ("0", False), ("no", False)]
)
def test_switches_read_one_and_zero(raw: str, expected: bool) -> None:
    assert Settings.from_env({"CHAT_PUSH_ALLOW_LOOPBACK": raw}).push_allow_loopback is expected


def test_a_switch_that_is_neither_is_refused_with_its_name() -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({"CHAT_PUSH_INCLUDE_BODY": "maybe"})
    assert "CHAT_PUSH_INCLUDE_BODY" in str(refused.value)
