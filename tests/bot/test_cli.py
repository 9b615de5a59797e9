"""Commands of the top-level modules (``bot/cli.py``): ``credentials`` writes the Rasa server's channel
credentials for a Rasa started apart from ``make run``, as the containers in deploy/ start it."""
from __future__ import annotations

import stat

import pytest
import yaml

from bot.channel_credentials import CHANNELS, SOCKETIO_KEY
from bot.cli import credentials_main

PRODUCTION_ENV = {
    "EFFORTLESS_PROFILE": "production",
    "LOCK_STORE_URL": "redis://redis:6379/1",
    "HELPDESK_URL": "http://helpdesk:8000",
    "WEB_CHAT_SECRET": "web-chat-secret",
    "HELPDESK_SERVICE_TOKEN": "service-token",
}


@pytest.fixture
def environment(monkeypatch, tmp_path):
    """A production environment with no messaging channel configured, its var/ in ``tmp_path``."""
    for name in {variable for channel in CHANNELS for variable in channel.variables} | {"SOCKETIO_REDIS_URL", "REST_CHANNEL_TOKEN"}:
        monkeypatch.delenv(name, raising=False)
    for name, value in {**PRODUCTION_ENV, "EFFORTLESS_VAR_DIR": str(tmp_path / "var")}.items():
        monkeypatch.setenv(name, value)
    return monkeypatch


def test_credentials_are_written_for_a_separate_rasa(environment, tmp_path, capsys):
    out = tmp_path / "config" / "credentials.yml"

    assert credentials_main(["--out", str(out)]) == 0

    credentials = yaml.safe_load(out.read_text())
    assert list(credentials) == [SOCKETIO_KEY]  # REST stays off in production without REST_CHANNEL_TOKEN
    web_chat = credentials[SOCKETIO_KEY]
    assert web_chat["redis_url"] == "redis://redis:6379/1"  # replicas share emits through the lock store's Redis
    assert (web_chat["session_secret"], web_chat["service_token"]) == ("web-chat-secret", "service-token")
    assert web_chat["helpdesk_url"] == "http://helpdesk:8000"
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert capsys.readouterr().out == f"wrote {out}: socketio (shared through Redis)\n"


def test_a_configured_channel_is_switched_on(environment, tmp_path):
    environment.setenv("CALLBACK_URL", "https://gateway.example.com/bot-messages")
    environment.setenv("CALLBACK_SECRET", "s3cret")
    out = tmp_path / "credentials.yml"

    assert credentials_main(["--out", str(out)]) == 0

    assert yaml.safe_load(out.read_text())["bot.engine.channels.CallbackInput"]["secret"] == "s3cret"


@pytest.mark.parametrize("unset", ["WEB_CHAT_SECRET", "HELPDESK_SERVICE_TOKEN"])
def test_a_shared_secret_is_never_generated(environment, tmp_path, capsys, unset):
    environment.delenv(unset)
    out = tmp_path / "credentials.yml"

    assert credentials_main(["--out", str(out)]) == 1

    assert f"set {unset}" in capsys.readouterr().err
    assert not out.exists()
    assert not (tmp_path / "var" / "secrets").exists()


def test_a_half_configured_channel_is_refused_with_its_variable(environment, tmp_path, capsys):
    environment.setenv("SLACK_TOKEN", "xoxb-1")
    out = tmp_path / "credentials.yml"

    assert credentials_main(["--out", str(out)]) == 1

    assert "SLACK_SIGNING_SECRET missing" in capsys.readouterr().err
    assert not out.exists()


def test_an_unwritable_destination_is_refused_clearly(environment, tmp_path, capsys):
    blocker = tmp_path / "a-file"
    blocker.write_text("")

    assert credentials_main(["--out", str(blocker / "credentials.yml")]) == 1

    assert f"cannot write {blocker / 'credentials.yml'}" in capsys.readouterr().err
