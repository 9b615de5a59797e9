"""Messaging channels: the Rasa credentials rendered from env vars (``bot/channel_credentials.py``).

The connectors these credentials switch on (``bot/engine/channels/``) are tested in
``tests/bot/engine/channels/``.
"""
from __future__ import annotations

import stat

import pytest
import yaml

from bot.channel_credentials import (
    CHANNELS,
    REST_KEY,
    SOCKETIO_KEY,
    ChannelConfigError,
    channel_secrets,
    enabled_channels,
    render_credentials,
    write_credentials,
)
from bot.settings import PROJECT_ROOT
from tests.bot.channel_env import (
    CALLBACK_ENV,
    FACEBOOK_ENV,
    FULL_ENV,
    SLACK_ENV,
    TELEGRAM_ENV,
    TWILIO_ENV,
    channel_settings,
)

LIMITS = {"max_message_chars": 4000, "action_server_wait_s": 120.0}


@pytest.fixture
def settings(tmp_path):
    return channel_settings(tmp_path, WEB_CHAT_SECRET="web-chat-secret", IDENTITY_VERIFICATION_SECRET="site-secret",
                            HELPDESK_SERVICE_TOKEN="service-token", HELPDESK_URL="http://127.0.0.1:8000")


def channel(title_start: str):
    return next(c for c in CHANNELS if c.title.startswith(title_start))


# --- rendering credentials from env vars and settings -----------------------------------------


def test_without_channel_variables_only_rest_and_the_web_widget_are_on(settings):
    assert render_credentials({}, settings) == {
        REST_KEY: LIMITS,
        SOCKETIO_KEY: {"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered",
                       "session_secret": "web-chat-secret", "identity_secret": "site-secret",
                       "helpdesk_url": "http://127.0.0.1:8000", "service_token": "service-token", **LIMITS},
    }


def test_the_web_chat_secret_is_generated_and_kept_when_not_set(tmp_path):
    first = render_credentials({}, channel_settings(tmp_path))[SOCKETIO_KEY]["session_secret"]
    assert len(first) >= 32
    assert render_credentials({}, channel_settings(tmp_path))[SOCKETIO_KEY]["session_secret"] == first


def test_with_a_socketio_redis_url_the_web_chat_channel_shares_its_emits_through_redis(settings):
    credentials = render_credentials({"SOCKETIO_REDIS_URL": "redis://:p4ss@redis.internal:6379/1"}, settings)
    assert credentials[SOCKETIO_KEY]["redis_url"] == "redis://:p4ss@redis.internal:6379/1"
    assert enabled_channels(credentials) == ["rest (open: local profile)", "socketio (shared through Redis)"]
    assert channel_secrets({"SOCKETIO_REDIS_URL": "redis://:p4ss@redis.internal:6379/1"}) == ["p4ss"]
    with pytest.raises(ChannelConfigError, match="SOCKETIO_REDIS_URL must be a redis://"):
        render_credentials({"SOCKETIO_REDIS_URL": "http://redis.internal"}, settings)


@pytest.mark.parametrize("profile, token, expected", [
    ("local", "", LIMITS),
    ("local", "rest-token", {"token": "rest-token", **LIMITS}),
    ("production", "", None),
    ("production", "rest-token", {"token": "rest-token", **LIMITS}),
])
def test_the_rest_channel_is_off_in_production_unless_its_token_is_set(tmp_path, profile, token, expected):
    settings = channel_settings(tmp_path, EFFORTLESS_PROFILE=profile, REST_CHANNEL_TOKEN=token)
    assert render_credentials({}, settings).get(REST_KEY) == expected


def test_every_channel_gets_the_message_limits_from_the_settings(tmp_path):
    settings = channel_settings(tmp_path, MAX_MESSAGE_CHARS="500", ACTION_SERVER_WAIT_S="30")
    credentials = render_credentials(FULL_ENV, settings)
    assert len(credentials) == 7
    assert all(entry["max_message_chars"] == 500 and entry["action_server_wait_s"] == 30.0
               for entry in credentials.values())


@pytest.mark.parametrize("title, env, expected", [
    ("Telegram", TELEGRAM_ENV, {"access_token": "123456789:AAbbCC_dd-ee", "verify": "acme_support_bot",
                                "webhook_url": "https://chat.example.com/webhooks/telegram/webhook"}),
    ("Slack", SLACK_ENV, {"slack_token": "xoxb-1", "slack_signing_secret": "slack-signing-secret"}),
    ("Facebook", FACEBOOK_ENV, {"verify": "fb-verify", "secret": "fb-app-secret",
                                "page-access-token": "fb-page-token"}),
    ("WhatsApp", TWILIO_ENV, {"account_sid": "AC123", "auth_token": "twilio-auth-token",
                              "twilio_number": "whatsapp:+14155238886"}),
    ("Callback", CALLBACK_ENV, {"url": "https://gateway.example.com/bot-messages", "secret": "s3cret"}),
])
def test_a_channel_is_on_exactly_when_its_required_variables_are_set(settings, title, env, expected):
    credentials = render_credentials(env, settings)
    assert credentials[channel(title).key] == {**expected, **LIMITS}
    assert list(credentials) == [REST_KEY, SOCKETIO_KEY, channel(title).key]


def test_optional_variables_are_passed_only_when_set(settings):
    env = {**TELEGRAM_ENV, "TELEGRAM_SECRET_TOKEN": "tg-secret", "TELEGRAM_API_URL": "http://127.0.0.1:8081",
           "SLACK_CHANNEL": "", **SLACK_ENV}
    credentials = render_credentials(env, settings)
    telegram = credentials[channel("Telegram").key]
    assert telegram["secret_token"] == "tg-secret"
    assert telegram["api_url"] == "http://127.0.0.1:8081"
    assert "slack_channel" not in credentials[channel("Slack").key]


def test_every_channel_can_be_on_at_once(settings):
    assert enabled_channels(render_credentials(FULL_ENV, settings)) == [
        "rest (open: local profile)", "socketio", "Telegram", "Slack", "Facebook Messenger", "WhatsApp (Twilio)",
        "Callback (custom gateway)",
    ]


@pytest.mark.parametrize("env, missing", [
    ({"TELEGRAM_TOKEN": "123:abc"}, "TELEGRAM_VERIFY, TELEGRAM_WEBHOOK_URL"),
    ({**SLACK_ENV, "SLACK_SIGNING_SECRET": "   "}, "SLACK_SIGNING_SECRET"),
    ({"CALLBACK_URL": "https://gateway.example.com/in"}, "CALLBACK_SECRET"),
    ({"TWILIO_AUTH_TOKEN": "t"}, "TWILIO_ACCOUNT_SID, TWILIO_WHATSAPP_NUMBER"),
])
def test_a_half_configured_channel_is_an_error_naming_what_is_missing(settings, env, missing):
    with pytest.raises(ChannelConfigError, match=f"{missing} missing"):
        render_credentials(env, settings)


def test_optional_variables_alone_do_not_switch_a_channel_on(settings):
    assert list(render_credentials({"TELEGRAM_API_URL": "http://127.0.0.1:1", "SLACK_CHANNEL": "#help"}, settings)) == [
        REST_KEY, SOCKETIO_KEY]


@pytest.mark.parametrize("variable, value, message", [
    ("TELEGRAM_TOKEN", "not a token", "TELEGRAM_TOKEN does not look like a Telegram bot token"),
    ("TELEGRAM_WEBHOOK_URL", "chat.example.com/hook", "TELEGRAM_WEBHOOK_URL must be an http"),
    ("TWILIO_WHATSAPP_NUMBER", "+14155238886", "TWILIO_WHATSAPP_NUMBER must look like whatsapp:"),
    ("CALLBACK_URL", "ftp://gateway", "CALLBACK_URL must be an http"),
    ("CALLBACK_SECRET", "abc${HOME}", "CALLBACK_SECRET must not contain"),
])
def test_unusable_values_are_rejected_with_the_variable_named(settings, variable, value, message):
    with pytest.raises(ChannelConfigError, match=message.replace("$", r"\$")):
        render_credentials({**FULL_ENV, variable: value}, settings)


def test_errors_never_echo_secret_values(settings):
    with pytest.raises(ChannelConfigError) as error:
        render_credentials({**FULL_ENV, "TELEGRAM_TOKEN": "secret-but-malformed"}, settings)
    assert "secret-but-malformed" not in str(error.value)


def test_the_written_file_is_owner_only_and_reads_back_unchanged(settings, tmp_path):
    tricky = 'q"uote: #hash $HOME {x} שלום مرحبا 🙂 <script>\'; DROP TABLE x;--'
    env = {**FULL_ENV, "CALLBACK_SECRET": tricky, "SLACK_CHANNEL": "0123", "FACEBOOK_VERIFY": "true"}
    path = write_credentials(env, settings, tmp_path / "var" / "credentials.yml")
    assert path == tmp_path / "var" / "credentials.yml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == render_credentials(env, settings)


def test_channel_secrets_lists_the_values_to_redact_from_logs():
    secrets = channel_secrets(FULL_ENV)
    assert {"123456789:AAbbCC_dd-ee", "slack-signing-secret", "fb-app-secret", "twilio-auth-token",
            "s3cret"} <= set(secrets)
    assert "acme_support_bot" not in secrets
    assert channel_secrets({}) == []


def test_the_committed_template_documents_every_channel_and_variable():
    template = yaml.safe_load((PROJECT_ROOT / "credentials.yml").read_text())
    assert template[REST_KEY] == {"token": "${REST_CHANNEL_TOKEN}"}
    assert template[SOCKETIO_KEY] == {"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered",
                                      "session_secret": "${WEB_CHAT_SECRET}", "redis_url": "${SOCKETIO_REDIS_URL}",
                                      "identity_secret": "${IDENTITY_VERIFICATION_SECRET}",
                                      "helpdesk_url": "${HELPDESK_URL}", "service_token": "${HELPDESK_SERVICE_TOKEN}"}
    for documented in CHANNELS:
        fields = dict(documented.required + documented.optional)
        assert template[documented.key] == {field: f"${{{variable}}}" for field, variable in fields.items()}
    assert set(template) == {REST_KEY, SOCKETIO_KEY} | {c.key for c in CHANNELS}
