"""Messaging channels: credentials rendered from env vars, and the hardened Rasa connectors.

The connectors (``bot/engine/channels.py``) need rasa, which the app env does not have, so they
run in the engine env inside ``channel_harness.py``: Rasa's own code builds and mounts them
from a credentials file rendered here; only the bot is replaced by an echo. Outgoing calls go,
through each platform's own client library, to stand-ins of the Telegram Bot API, the callback
gateway, Slack's Web API, Facebook's Send API and Twilio's Messages API (``tests/e2e/standins.py``).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import socket
import stat
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Tuple

import pytest
import requests
import yaml

from bot.channel_credentials import (
    CHANNELS,
    SOCKETIO_REDIS_KEY,
    ChannelConfigError,
    channel_secrets,
    enabled_channels,
    render_credentials,
    write_credentials,
)
from bot.settings import PROJECT_ROOT
from tests.e2e.standins import (
    CALLBACK_SECRET,
    TELEGRAM_SECRET_TOKEN,
    CallbackCollector,
    MessengerStandIn,
    SlackStandIn,
    StandIns,
    TelegramStandIn,
    TwilioStandIn,
    post_callback,
    post_telegram_update,
    standin_env,
    telegram_button_press,
    telegram_update,
)

ENGINE_PYTHON = PROJECT_ROOT / ".venv-engine" / "bin" / "python"
HARNESS = Path(__file__).with_name("channel_harness.py")
TELEGRAM_ENV = {
    "TELEGRAM_TOKEN": "123456789:AAbbCC_dd-ee",
    "TELEGRAM_VERIFY": "acme_support_bot",
    "TELEGRAM_WEBHOOK_URL": "https://chat.example.com/webhooks/telegram/webhook",
}
SLACK_ENV = {"SLACK_TOKEN": "xoxb-1", "SLACK_SIGNING_SECRET": "slack-signing-secret"}
FACEBOOK_ENV = {"FACEBOOK_VERIFY": "fb-verify", "FACEBOOK_SECRET": "fb-app-secret",
                "FACEBOOK_PAGE_ACCESS_TOKEN": "fb-page-token"}
TWILIO_ENV = {"TWILIO_ACCOUNT_SID": "AC123", "TWILIO_AUTH_TOKEN": "twilio-auth-token",
              "TWILIO_WHATSAPP_NUMBER": "whatsapp:+14155238886"}
CALLBACK_ENV = {"CALLBACK_URL": "https://gateway.example.com/bot-messages", "CALLBACK_SECRET": "s3cret"}
FULL_ENV = {**TELEGRAM_ENV, **SLACK_ENV, **FACEBOOK_ENV, **TWILIO_ENV, **CALLBACK_ENV}


def channel(title_start: str):
    return next(c for c in CHANNELS if c.title.startswith(title_start))


# --- rendering credentials from env vars ------------------------------------------------------


def test_without_channel_variables_only_rest_and_the_web_widget_are_on():
    assert render_credentials({}) == {
        "rest": None,
        "socketio": {"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered",
                     "session_persistence": True},
    }


def test_with_a_socketio_redis_url_the_web_chat_channel_shares_its_emits_through_redis():
    credentials = render_credentials({"SOCKETIO_REDIS_URL": "redis://:p4ss@redis.internal:6379/1"})
    assert credentials == {
        "rest": None,
        SOCKETIO_REDIS_KEY: {"user_message_evt": "user_uttered", "bot_message_evt": "bot_uttered",
                             "session_persistence": True, "redis_url": "redis://:p4ss@redis.internal:6379/1"},
    }
    assert enabled_channels(credentials) == ["rest", "socketio (shared through Redis)"]
    assert channel_secrets({"SOCKETIO_REDIS_URL": "redis://:p4ss@redis.internal:6379/1"}) == ["p4ss"]
    with pytest.raises(ChannelConfigError, match="SOCKETIO_REDIS_URL must be a redis://"):
        render_credentials({"SOCKETIO_REDIS_URL": "http://redis.internal"})


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
def test_a_channel_is_on_exactly_when_its_required_variables_are_set(title, env, expected):
    credentials = render_credentials(env)
    assert credentials[channel(title).key] == expected
    assert list(credentials) == ["rest", "socketio", channel(title).key]


def test_optional_variables_are_passed_only_when_set():
    env = {**TELEGRAM_ENV, "TELEGRAM_SECRET_TOKEN": "tg-secret", "TELEGRAM_API_URL": "http://127.0.0.1:8081",
           "SLACK_CHANNEL": "", **SLACK_ENV}
    credentials = render_credentials(env)
    telegram = credentials[channel("Telegram").key]
    assert telegram["secret_token"] == "tg-secret"
    assert telegram["api_url"] == "http://127.0.0.1:8081"
    assert "slack_channel" not in credentials[channel("Slack").key]


def test_every_channel_can_be_on_at_once():
    assert enabled_channels(render_credentials(FULL_ENV)) == [
        "rest", "socketio", "Telegram", "Slack", "Facebook Messenger", "WhatsApp (Twilio)",
        "Callback (custom gateway)",
    ]


@pytest.mark.parametrize("env, missing", [
    ({"TELEGRAM_TOKEN": "123:abc"}, "TELEGRAM_VERIFY, TELEGRAM_WEBHOOK_URL"),
    ({**SLACK_ENV, "SLACK_SIGNING_SECRET": "   "}, "SLACK_SIGNING_SECRET"),
    ({"CALLBACK_URL": "https://gateway.example.com/in"}, "CALLBACK_SECRET"),
    ({"TWILIO_AUTH_TOKEN": "t"}, "TWILIO_ACCOUNT_SID, TWILIO_WHATSAPP_NUMBER"),
])
def test_a_half_configured_channel_is_an_error_naming_what_is_missing(env, missing):
    with pytest.raises(ChannelConfigError, match=f"{missing} missing"):
        render_credentials(env)


def test_optional_variables_alone_do_not_switch_a_channel_on():
    assert list(render_credentials({"TELEGRAM_API_URL": "http://127.0.0.1:1", "SLACK_CHANNEL": "#help"})) == [
        "rest", "socketio"]


@pytest.mark.parametrize("variable, value, message", [
    ("TELEGRAM_TOKEN", "not a token", "TELEGRAM_TOKEN does not look like a Telegram bot token"),
    ("TELEGRAM_WEBHOOK_URL", "chat.example.com/hook", "TELEGRAM_WEBHOOK_URL must be an http"),
    ("TWILIO_WHATSAPP_NUMBER", "+14155238886", "TWILIO_WHATSAPP_NUMBER must look like whatsapp:"),
    ("CALLBACK_URL", "ftp://gateway", "CALLBACK_URL must be an http"),
    ("CALLBACK_SECRET", "abc${HOME}", "CALLBACK_SECRET must not contain"),
])
def test_unusable_values_are_rejected_with_the_variable_named(variable, value, message):
    with pytest.raises(ChannelConfigError, match=message.replace("$", r"\$")):
        render_credentials({**FULL_ENV, variable: value})


def test_errors_never_echo_secret_values():
    with pytest.raises(ChannelConfigError) as error:
        render_credentials({**FULL_ENV, "TELEGRAM_TOKEN": "secret-but-malformed"})
    assert "secret-but-malformed" not in str(error.value)


def test_the_written_file_is_owner_only_and_reads_back_unchanged(tmp_path):
    tricky = 'q"uote: #hash $HOME {x} שלום مرحبا 🙂 <script>\'; DROP TABLE x;--'
    env = {**FULL_ENV, "CALLBACK_SECRET": tricky, "SLACK_CHANNEL": "0123", "FACEBOOK_VERIFY": "true"}
    path = write_credentials(env, tmp_path / "var" / "credentials.yml")
    assert path == tmp_path / "var" / "credentials.yml"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert yaml.safe_load(path.read_text(encoding="utf-8")) == render_credentials(env)


def test_channel_secrets_lists_the_values_to_redact_from_logs():
    secrets = channel_secrets(FULL_ENV)
    assert {"123456789:AAbbCC_dd-ee", "slack-signing-secret", "fb-app-secret", "twilio-auth-token",
            "s3cret"} <= set(secrets)
    assert "acme_support_bot" not in secrets
    assert channel_secrets({}) == []


def test_the_committed_template_documents_every_channel_and_variable():
    template = yaml.safe_load((PROJECT_ROOT / "credentials.yml").read_text())
    assert template["socketio"] == render_credentials({})["socketio"]
    assert "rest" in template
    for documented in CHANNELS:
        fields = dict(documented.required + documented.optional)
        assert template[documented.key] == {field: f"${{{variable}}}" for field, variable in fields.items()}
    assert set(template) == {"rest", "socketio"} | {c.key for c in CHANNELS}


# --- the connectors, served by Rasa's channel code in the engine env ------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Harness:
    url: str
    log_path: Path
    env: Mapping[str, str]

    def messages_from(self, sender_id: str) -> List[Dict[str, Any]]:
        """User messages from ``sender_id`` that reached the bot."""
        received = requests.get(f"{self.url}/harness/messages", timeout=5).json()
        return [message for message in received if message["sender_id"] == sender_id]

    def wait_for_messages_from(self, sender_id: str, timeout: float = 10.0) -> List[Dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while not (messages := self.messages_from(sender_id)) and time.monotonic() < deadline:
            time.sleep(0.1)
        return messages

    def push(self, channel_name: str, recipient: str, text: str) -> requests.Response:
        return requests.post(f"{self.url}/harness/push", params={"output_channel": channel_name},
                             json={"recipient": recipient, "text": text}, timeout=30)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def assert_no_secret_logged(self) -> None:
        log = self.log()
        assert not [secret for secret in channel_secrets(self.env) if secret in log]


@contextmanager
def start_harness(env: Mapping[str, str], workdir: Path) -> Iterator[Harness]:
    credentials = write_credentials(env, workdir / "credentials.yml")
    port, log_path = free_port(), workdir / "harness.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [str(ENGINE_PYTHON), str(HARNESS), str(credentials), str(port)],
            cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"},
        )
    harness = Harness(f"http://127.0.0.1:{port}", log_path, env)
    try:
        deadline = time.monotonic() + 90
        while True:
            assert process.poll() is None, f"the channel harness exited:\n{harness.log()[-3000:]}"
            try:
                requests.get(f"{harness.url}/harness/messages", timeout=1)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, f"the channel harness did not start:\n{harness.log()[-3000:]}"
                time.sleep(0.2)
        yield harness
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def platforms() -> Iterator[StandIns]:
    running = StandIns(telegram=TelegramStandIn(), callback=CallbackCollector())
    running.telegram.start()
    running.callback.start()
    yield running
    running.telegram.stop()
    running.callback.stop()


@dataclass
class MessagingApps:
    slack: SlackStandIn
    messenger: MessengerStandIn
    twilio: TwilioStandIn

    def env(self) -> Dict[str, str]:
        return {**SLACK_ENV, **FACEBOOK_ENV, **TWILIO_ENV, "SLACK_API_URL": self.slack.api_url,
                "FACEBOOK_GRAPH_URL": self.messenger.base_url, "TWILIO_API_URL": self.twilio.base_url}


@pytest.fixture(scope="module")
def apps() -> Iterator[MessagingApps]:
    running = MessagingApps(SlackStandIn(SLACK_ENV["SLACK_TOKEN"]),
                            MessengerStandIn(FACEBOOK_ENV["FACEBOOK_PAGE_ACCESS_TOKEN"]),
                            TwilioStandIn(TWILIO_ENV["TWILIO_ACCOUNT_SID"], TWILIO_ENV["TWILIO_AUTH_TOKEN"]))
    for stand_in in (running.slack, running.messenger, running.twilio):
        stand_in.start()
    yield running
    for stand_in in (running.slack, running.messenger, running.twilio):
        stand_in.stop()


@pytest.fixture(scope="module")
def harness(platforms, apps, tmp_path_factory) -> Iterator[Harness]:
    env = {**standin_env(platforms), **apps.env()}
    with start_harness(env, tmp_path_factory.mktemp("harness")) as running:
        yield running


# Telegram


def test_telegram_webhook_is_registered_at_start_with_the_secret_token(harness, platforms):
    registration = platforms.telegram.wait_for_call("setWebhook")
    assert registration == {"url": "https://effortless.example/webhooks/telegram/webhook",
                            "secret_token": TELEGRAM_SECRET_TOKEN}


def test_a_telegram_message_reaches_the_bot_with_the_customers_name_and_the_reply_comes_back(harness, platforms):
    response = post_telegram_update(harness.url, telegram_update(1001, "Where is my order?"))
    assert response.status_code == 200
    assert harness.messages_from("1001") == [{
        "text": "Where is my order?", "sender_id": "1001", "input_channel": "telegram",
        "metadata": {"customer_name": "Dana Levi", "telegram_username": "dana_l"},
    }]
    assert platforms.telegram.wait_for(1001)["text"] == "echo: Where is my order?"


def test_a_telegram_button_press_reaches_the_bot_as_its_payload_and_is_acknowledged(harness, platforms):
    update = telegram_button_press(1002, '/rate_effort{"score": 6}')
    assert post_telegram_update(harness.url, update).status_code == 200
    assert [m["text"] for m in harness.messages_from("1002")] == ['/rate_effort{"score": 6}']
    assert {"callback_query_id": update["callback_query"]["id"]} in platforms.telegram.calls("answerCallbackQuery")


@pytest.mark.parametrize("command", ["/start", "/start campaign-42"])
def test_telegrams_start_command_reaches_the_bot_as_a_greeting(harness, command):
    assert post_telegram_update(harness.url, telegram_update(1010, command)).status_code == 200
    assert harness.messages_from("1010")[-1]["text"] == "/greet"


@pytest.mark.parametrize("secret", [None, "wrong-secret", "tökën"], ids=["missing", "wrong", "non-ascii"])
def test_a_telegram_webhook_without_the_secret_token_is_refused_and_logged(harness, secret):
    response = post_telegram_update(harness.url, telegram_update(1003, "hello"), secret_token=secret)
    assert response.status_code == 403
    assert harness.messages_from("1003") == []
    assert "Rejected telegram webhook" in harness.log()
    harness.assert_no_secret_logged()


@pytest.mark.parametrize("body", [
    b"",
    b"{not json",
    b"\xff\xfe\x00binary",
    json.dumps([1, 2]).encode(),
    json.dumps({"update_id": "7", "message": {"chat": {"id": 1004}, "text": "hi"}}).encode(),
    json.dumps({"update_id": 7, "message": "hi"}).encode(),
    json.dumps({"update_id": 7, "message": {"text": "hi"}}).encode(),
    json.dumps({"update_id": 7, "message": {"chat": {"id": "1004"}, "text": "hi"}}).encode(),
    json.dumps({"update_id": 7, "message": {"chat": {"id": 1004}, "text": ["hi"]}}).encode(),
    json.dumps({"update_id": 7, "callback_query": {"id": 5, "data": "/greet",
                                                    "message": {"chat": {"id": 1004}}}}).encode(),
], ids=["empty", "broken-json", "binary", "list", "string-update-id", "message-not-object", "no-chat",
        "string-chat-id", "text-not-string", "numeric-callback-id"])
def test_a_malformed_telegram_update_is_a_400_and_never_reaches_the_bot(harness, body):
    response = post_telegram_update(harness.url, body)
    assert response.status_code == 400
    assert response.json()["error"]
    assert harness.messages_from("1004") == []


@pytest.mark.parametrize("update", [
    {"update_id": 8, "message": {"message_id": 1, "date": 0, "chat": {"id": 1005, "type": "private"},
                                 "sticker": {"file_id": "x"}}},
    {"update_id": 9, "channel_post": {"message_id": 1, "date": 0, "chat": {"id": 1005, "type": "channel"},
                                      "text": "news"}},
    {"update_id": 10, "message": {"message_id": 1, "date": 0, "chat": {"id": 1005}, "text": "   "}},
], ids=["sticker", "channel-post", "blank-text"])
def test_telegram_updates_without_text_are_acknowledged_and_ignored(harness, platforms, update):
    assert post_telegram_update(harness.url, update).status_code == 200
    assert harness.messages_from("1005") == []
    assert platforms.telegram.messages(1005) == []


@pytest.mark.parametrize("text", [
    "שלום, ההזמנה שלי לא הגיעה",
    "مرحبا، أين طلبي؟",
    "<script>alert('x')</script> & <b>bold</b>",
    "'; DROP TABLE tickets; --",
], ids=["hebrew", "arabic", "html", "sql"])
def test_an_agent_reply_is_pushed_to_the_telegram_chat_verbatim(harness, platforms, text):
    response = harness.push("telegram", "1006", text)
    assert response.status_code == 200
    assert platforms.telegram.wait_for(1006, lambda m: m["text"] == text)


def test_a_long_telegram_reply_is_split_into_messages_within_telegrams_limit(harness, platforms):
    text = "🙂" * 3000 + "x" * 5000  # 11,000 UTF-16 units; the emoji take two each
    assert harness.push("telegram", "1007", text).status_code == 200
    platforms.telegram.wait_for(1007, lambda m: m["text"].endswith("x" * 10))
    parts = [m["text"] for m in platforms.telegram.messages(1007)]
    assert "".join(parts) == text
    assert all(len(part.encode("utf-16-le")) // 2 <= 4096 for part in parts)


def test_during_a_telegram_outage_the_message_still_reaches_the_bot_and_the_failure_is_logged(harness, platforms):
    platforms.telegram.failing = True
    try:
        response = post_telegram_update(harness.url, telegram_update(1008, "anyone there?"))
    finally:
        platforms.telegram.failing = False
    assert response.status_code == 200
    assert [m["text"] for m in harness.messages_from("1008")] == ["anyone there?"]
    assert "Could not deliver a message to Telegram chat 1008" in harness.log()


def test_an_agent_reply_telegram_refuses_fails_the_push_so_the_helpdesk_can_retry_it(harness, platforms):
    platforms.telegram.failing = True
    try:
        response = harness.push("telegram", "1009", "Dana here: your refund is on its way")
    finally:
        platforms.telegram.failing = False
    assert response.status_code == 500
    assert platforms.telegram.messages(1009) == []


# Callback channel


def test_a_signed_callback_message_reaches_the_bot_with_its_metadata_and_the_reply_is_signed(harness, platforms):
    metadata = {"customer_name": "Noa Cohen", "customer_email": "noa@example.com"}
    response = post_callback(harness.url, {"sender": "gw-2001", "message": "שלום", "metadata": metadata})
    assert response.status_code == 200
    assert harness.messages_from("gw-2001") == [
        {"text": "שלום", "sender_id": "gw-2001", "input_channel": "callback", "metadata": metadata}]
    assert platforms.callback.wait_for("gw-2001") == {"recipient_id": "gw-2001", "text": "echo: שלום"}
    assert platforms.callback.rejected == 0  # the collector verified the signature


@pytest.mark.parametrize("secret", [None, "not-the-secret"], ids=["unsigned", "wrong-key"])
def test_a_callback_webhook_with_a_bad_signature_is_refused_and_logged(harness, secret):
    response = post_callback(harness.url, {"sender": "gw-2002", "message": "hi"}, secret=secret)
    assert response.status_code == 403
    assert harness.messages_from("gw-2002") == []
    assert "Rejected callback webhook" in harness.log()
    harness.assert_no_secret_logged()


def test_a_callback_body_changed_after_signing_is_refused(harness):
    body = json.dumps({"sender": "gw-2003", "message": "hi"}).encode()
    signature = "sha256=" + hmac.new(CALLBACK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = requests.post(f"{harness.url}/webhooks/callback/webhook", data=body.replace(b"hi", b"yo"),
                             headers={"X-Effortless-Signature": signature}, timeout=10)
    assert response.status_code == 403
    assert harness.messages_from("gw-2003") == []


@pytest.mark.parametrize("payload, error", [
    (b"{not json", "not valid JSON"),
    (b"\x00\xff binary", "not valid JSON"),
    (["gw-2004", "hi"], "must be a JSON object"),
    ({"message": "hi"}, "sender must be a non-empty string"),
    ({"sender": 2004, "message": "hi"}, "sender must be a non-empty string"),
    ({"sender": "gw-2004" + "x" * 300, "message": "hi"}, "at most 255"),
    ({"sender": "gw-2004"}, "message must be a non-empty string"),
    ({"sender": "gw-2004", "message": ""}, "message must be a non-empty string"),
    ({"sender": "gw-2004", "message": {"text": "hi"}}, "message must be a non-empty string"),
    ({"sender": "gw-2004", "message": "x" * 100_000}, "at most 10000"),
    ({"sender": "gw-2004", "message": "hi", "metadata": ["a"]}, "metadata must be an object"),
], ids=["broken-json", "binary", "list", "no-sender", "numeric-sender", "huge-sender", "no-message",
        "empty-message", "message-object", "100kb-message", "metadata-list"])
def test_a_malformed_callback_payload_is_a_400_and_never_reaches_the_bot(harness, payload, error):
    response = post_callback(harness.url, payload)
    assert response.status_code == 400
    assert error in response.json()["error"]
    assert [m for m in requests.get(f"{harness.url}/harness/messages", timeout=5).json()
            if m["sender_id"].startswith("gw-2004")] == []


def test_an_agent_reply_is_pushed_to_the_callback_url_signed(harness, platforms):
    assert harness.push("callback", "gw-2005", "An agent will help you: مرحبا").status_code == 200
    assert platforms.callback.wait_for("gw-2005")["text"] == "An agent will help you: مرحبا"
    assert platforms.callback.rejected == 0


def test_when_the_platforms_are_down_the_server_still_starts_and_messages_are_kept(tmp_path):
    dead = f"http://127.0.0.1:{free_port()}"
    env = {**TELEGRAM_ENV, "TELEGRAM_API_URL": dead, "CALLBACK_URL": f"{dead}/in", "CALLBACK_SECRET": CALLBACK_SECRET}
    with start_harness(env, tmp_path) as harness:
        assert post_callback(harness.url, {"sender": "gw-3001", "message": "hello"}).status_code == 200
        assert harness.messages_from("gw-3001")[0]["text"] == "hello"
        assert "Could not register the Telegram webhook" in harness.log()
        assert "Could not deliver a message for gw-3001 to the callback URL" in harness.log()
        assert harness.push("callback", "gw-3001", "an agent reply").status_code == 500


# WhatsApp (Twilio), Facebook Messenger, Slack: the platforms' own signatures


def twilio_signature(url: str, form: Dict[str, str], auth_token: str) -> str:
    """Twilio's documented scheme: base64 HMAC-SHA1 of the URL followed by the sorted form fields."""
    signed = url + "".join(name + form[name] for name in sorted(form))
    return base64.b64encode(hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()).decode()


def test_a_twilio_whatsapp_message_with_a_valid_signature_reaches_the_bot_with_the_profile_name(harness):
    url = f"{harness.url}/webhooks/twilio/webhook"
    form = {"From": "whatsapp:+972501234567", "To": "whatsapp:+14155238886", "Body": "I need help",
            "ProfileName": "Yael"}
    signature = twilio_signature(url, form, TWILIO_ENV["TWILIO_AUTH_TOKEN"])
    response = requests.post(url, data=form, headers={"X-Twilio-Signature": signature}, timeout=10)
    assert response.status_code == 204
    assert harness.messages_from("whatsapp:+972501234567") == [{
        "text": "I need help", "sender_id": "whatsapp:+972501234567", "input_channel": "twilio",
        "metadata": {"customer_name": "Yael"},
    }]


@pytest.mark.parametrize("signature", [None, "bm90IGEgc2lnbmF0dXJl"], ids=["unsigned", "wrong"])
def test_a_twilio_message_with_a_bad_signature_is_refused(harness, signature):
    headers = {"X-Twilio-Signature": signature} if signature else {}
    response = requests.post(f"{harness.url}/webhooks/twilio/webhook", headers=headers, timeout=10,
                             data={"From": "whatsapp:+972500000000", "Body": "hi"})
    assert response.status_code == 403
    assert harness.messages_from("whatsapp:+972500000000") == []
    assert "Rejected twilio webhook" in harness.log()


@pytest.mark.parametrize("signature", [None, "sha1=0000", "md5=abc", "new=abc", "garbage"])
def test_a_facebook_webhook_with_a_bad_signature_is_refused(harness, signature):
    headers = {"X-Hub-Signature": signature} if signature else {}
    body = {"object": "page", "entry": [{"messaging": [{"sender": {"id": "fb-4001"}, "message": {"text": "hi"}}]}]}
    response = requests.post(f"{harness.url}/webhooks/facebook/webhook", json=body, headers=headers, timeout=10)
    assert response.status_code == 403
    assert harness.messages_from("fb-4001") == []
    assert "Rejected facebook webhook" in harness.log()


def test_a_signed_but_malformed_facebook_webhook_is_a_400(harness):
    body = b"[not json"
    signature = "sha1=" + hmac.new(FACEBOOK_ENV["FACEBOOK_SECRET"].encode(), body, hashlib.sha1).hexdigest()
    response = requests.post(f"{harness.url}/webhooks/facebook/webhook", data=body, timeout=10,
                             headers={"X-Hub-Signature": signature, "Content-Type": "application/json"})
    assert response.status_code == 400


def slack_event(user: str, text: str, channel: str = "D1") -> bytes:
    return json.dumps({"type": "event_callback", "event": {
        "type": "message", "channel_type": "im", "user": user, "text": text, "channel": channel, "ts": "1.0"}}).encode()


def slack_headers(body: bytes, secret: str = SLACK_ENV["SLACK_SIGNING_SECRET"]) -> Dict[str, str]:
    timestamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}",
            "Content-Type": "application/json"}


def test_a_signed_slack_message_reaches_the_bot(harness):
    body = slack_event("U5001", "hello from slack")
    response = requests.post(f"{harness.url}/webhooks/slack/webhook", data=body, headers=slack_headers(body), timeout=10)
    assert response.status_code == 200
    assert [m["text"] for m in harness.wait_for_messages_from("U5001")] == ["hello from slack"]


def test_a_slack_message_with_a_bad_signature_is_refused_and_logged(harness):
    body = slack_event("U5002", "hello")
    response = requests.post(f"{harness.url}/webhooks/slack/webhook", data=body, timeout=10,
                             headers=slack_headers(body, secret="not-the-signing-secret"))
    assert response.status_code == 400
    time.sleep(0.3)  # Slack messages are handled in a background task
    assert harness.messages_from("U5002") == []
    assert "Rejected slack webhook" in harness.log()


# Slack, Messenger and WhatsApp: replies and agent pushes reach the platform's API


def test_a_slack_reply_goes_to_the_conversation_the_message_came_from(harness, apps):
    body = slack_event("U6001", "where is my refund", channel="D6001")
    assert requests.post(f"{harness.url}/webhooks/slack/webhook", data=body, headers=slack_headers(body),
                         timeout=10).status_code == 200
    assert apps.slack.wait_for("D6001")["text"] == "echo: where is my refund"


def test_an_agent_reply_is_pushed_to_the_customers_slack_direct_messages(harness, apps):
    response = harness.push("slack", "U6002", "Hi, Anna from support here 👋")
    assert response.status_code == 200, harness.log()[-2000:]
    assert apps.slack.wait_for("U6002")["text"] == "Hi, Anna from support here 👋"


def facebook_event(sender: str, text: str) -> Tuple[bytes, Dict[str, str]]:
    body = json.dumps({"object": "page", "entry": [{"id": "page-1", "time": 1, "messaging": [{
        "sender": {"id": sender}, "recipient": {"id": "page-1"}, "timestamp": 1,
        "message": {"mid": f"m-{sender}", "text": text}}]}]}).encode()
    signature = "sha1=" + hmac.new(FACEBOOK_ENV["FACEBOOK_SECRET"].encode(), body, hashlib.sha1).hexdigest()
    return body, {"X-Hub-Signature": signature, "Content-Type": "application/json"}


def test_a_signed_messenger_message_reaches_the_bot_and_the_reply_reaches_messenger(harness, apps):
    body, headers = facebook_event("fb-6001", "ahoj, kde je moje objednávka?")
    response = requests.post(f"{harness.url}/webhooks/facebook/webhook", data=body, headers=headers, timeout=10)
    assert response.status_code == 200
    assert [m["text"] for m in harness.wait_for_messages_from("fb-6001")] == ["ahoj, kde je moje objednávka?"]
    assert apps.messenger.wait_for("fb-6001") == {"text": "echo: ahoj, kde je moje objednávka?",
                                                  "messaging_type": "RESPONSE"}


def test_an_agent_reply_is_pushed_to_messenger(harness, apps):
    assert harness.push("facebook", "fb-6002", "مرحبا، أنا من فريق الدعم").status_code == 200
    assert apps.messenger.wait_for("fb-6002")["text"] == "مرحبا، أنا من فريق الدعم"


def twilio_message(sender: str, text: str, url: str) -> Tuple[Dict[str, str], Dict[str, str]]:
    form = {"From": sender, "To": TWILIO_ENV["TWILIO_WHATSAPP_NUMBER"], "Body": text, "ProfileName": "Yael"}
    return form, {"X-Twilio-Signature": twilio_signature(url, form, TWILIO_ENV["TWILIO_AUTH_TOKEN"])}


def test_a_whatsapp_reply_is_sent_through_twilio_from_the_business_number(harness, apps):
    url = f"{harness.url}/webhooks/twilio/webhook"
    form, headers = twilio_message("whatsapp:+972501110001", "שלום, איפה ההזמנה?", url)
    assert requests.post(url, data=form, headers=headers, timeout=10).status_code == 204
    assert apps.twilio.wait_for("whatsapp:+972501110001") == {"text": "echo: שלום, איפה ההזמנה?",
                                                              "from": TWILIO_ENV["TWILIO_WHATSAPP_NUMBER"]}


def test_an_agent_reply_is_pushed_to_whatsapp_through_twilio(harness, apps):
    assert harness.push("twilio", "whatsapp:+972501110002", "Your refund is on its way").status_code == 200
    assert apps.twilio.wait_for("whatsapp:+972501110002")["text"] == "Your refund is on its way"


@contextmanager
def refusing(platform):
    platform.failing = True
    try:
        yield
    finally:
        platform.failing = False


def test_during_a_messenger_or_whatsapp_outage_the_message_still_reaches_the_bot_and_the_failure_is_logged(
        harness, apps):
    body, headers = facebook_event("fb-6003", "are you there?")
    url = f"{harness.url}/webhooks/twilio/webhook"
    form, twilio_headers = twilio_message("whatsapp:+972501110003", "are you there?", url)
    with refusing(apps.messenger), refusing(apps.twilio):
        assert requests.post(f"{harness.url}/webhooks/facebook/webhook", data=body, headers=headers,
                             timeout=10).status_code == 200
        assert requests.post(url, data=form, headers=twilio_headers, timeout=10).status_code == 204
    assert [m["text"] for m in harness.wait_for_messages_from("fb-6003")] == ["are you there?"]
    assert [m["text"] for m in harness.messages_from("whatsapp:+972501110003")] == ["are you there?"]
    assert "Could not deliver a Messenger message to fb-6003" in harness.log()
    assert "Could not deliver a WhatsApp message to whatsapp:+972501110003 through Twilio" in harness.log()


@pytest.mark.parametrize("channel_name, recipient", [
    ("slack", "U6009"), ("facebook", "fb-6009"), ("twilio", "whatsapp:+972501110009")])
def test_an_agent_reply_the_platform_refuses_fails_the_push_so_the_helpdesk_can_retry_it(
        harness, apps, channel_name, recipient):
    platform = {"slack": apps.slack, "facebook": apps.messenger, "twilio": apps.twilio}[channel_name]
    with refusing(platform):
        response = harness.push(channel_name, recipient, "your refund is on its way")
    assert response.status_code == 500
    assert platform.messages(recipient) == []
