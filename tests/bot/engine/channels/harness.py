"""The engine-side connectors, served by Rasa's own channel code in the engine env.

The connectors (``bot/engine/channels/``) need rasa, which the app env does not have, so they run
in the engine env inside ``harness_server.py``: Rasa's own code builds and mounts them from a
credentials file rendered here; only the bot is replaced by an echo (with real trackers, in
memory, and the real domain's responses). Outgoing calls go, through each platform's own client
library, to stand-ins of the Telegram Bot API, the callback gateway, Slack's Web API, Facebook's
Send API and Twilio's Messages API (``tests/e2e/standins.py``).

Below: starting the harness, and building webhooks as Slack, Facebook and Twilio sign them.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import queue
import socket
import subprocess
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests
import socketio

from bot.channel_credentials import channel_secrets, write_credentials
from bot.settings import PROJECT_ROOT, Settings, load_settings, secret_values
from tests.bot.channel_env import FACEBOOK_ENV, SLACK_ENV, TWILIO_ENV
from tests.e2e.standins import MessengerStandIn, SlackStandIn, TwilioStandIn

ENGINE_PYTHON = PROJECT_ROOT / ".venv-engine" / "bin" / "python"
HARNESS_SERVER = Path(__file__).with_name("harness_server.py")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Harness:
    url: str
    log_path: Path
    env: Mapping[str, str]
    settings: Settings

    def messages_from(self, sender_id: str) -> list[dict[str, Any]]:
        """User messages from ``sender_id`` that reached the bot."""
        received = requests.get(f"{self.url}/harness/messages", timeout=5).json()
        return [message for message in received if message["sender_id"] == sender_id]

    def wait_for_messages_from(self, sender_id: str, timeout: float = 10.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while not (messages := self.messages_from(sender_id)) and time.monotonic() < deadline:
            time.sleep(0.1)
        return messages

    def user_texts(self, sender_id: str) -> list[str]:
        return [message["text"] for message in self.messages_from(sender_id)]

    def push(self, channel_name: str, recipient: str, text: str) -> requests.Response:
        return requests.post(f"{self.url}/harness/push", params={"output_channel": channel_name},
                             json={"recipient": recipient, "text": text}, timeout=30)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def assert_no_secret_logged(self) -> None:
        log = self.log()
        secrets = channel_secrets(self.env) + secret_values(self.settings)
        assert not [secret for secret in secrets if secret in log]


@contextmanager
def start_harness(env: Mapping[str, str], workdir: Path, action_server_url: str | None = None) -> Iterator[Harness]:
    """Serve the channels ``env`` switches on; settings (message guard limits, REST token, web-chat
    secret) come from ``env`` too, with secrets generated under ``workdir``."""
    settings = load_settings({**env, "EFFORTLESS_VAR_DIR": str(workdir / "var")})
    credentials = write_credentials(env, settings, workdir / "credentials.yml")
    port, log_path = free_port(), workdir / "harness.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [str(ENGINE_PYTHON), str(HARNESS_SERVER), str(credentials), str(port), *([action_server_url] if action_server_url else [])],
            cwd=PROJECT_ROOT, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"},
        )
    harness = Harness(f"http://127.0.0.1:{port}", log_path, env, settings)
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


class ActionServerHealth:
    """The action server's ``/health`` as the guard sees it: answering, or (``up = False``) a
    server that is not there, whose connections close unanswered."""

    def __init__(self) -> None:
        self.up = True
        health = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if not health.up:
                    self.close_connection = True
                    return
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.webhook_url = f"http://127.0.0.1:{self._server.server_address[1]}/webhook"

    def __enter__(self) -> ActionServerHealth:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._server.shutdown()
        self._server.server_close()


class WebChat:
    """A socket.io client speaking the widget's protocol: ``session_request`` with the token it was
    given (if any), then ``user_uttered``; everything the server emits is queued per event."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.events: dict[str, queue.Queue] = {"session_confirm": queue.Queue(), "bot_uttered": queue.Queue()}
        self.client = socketio.Client(reconnection=False)
        for event, received in self.events.items():
            self.client.on(event, received.put)
        self.session: dict[str, str] = {}

    def start(self, **session_request: Any) -> dict[str, str]:
        """Connect and ask for a session; returns ``session_confirm``'s ``{session_id, session_token}``."""
        if not self.client.connected:
            self.client.connect(self.url, socketio_path="/socket.io", transports=["websocket"], wait_timeout=10)
        self.client.emit("session_request", session_request)
        self.session = self.events["session_confirm"].get(timeout=10)
        return self.session

    @property
    def conversation_id(self) -> str:
        return f"web:{self.session['session_id']}"

    def say(self, text: str, **fields: Any) -> None:
        self.client.emit("user_uttered", {"message": text, **fields})

    def next_message(self, timeout: float = 10.0) -> dict[str, Any]:
        return self.events["bot_uttered"].get(timeout=timeout)

    def nothing_arrives(self, within: float) -> bool:
        try:
            self.events["bot_uttered"].get(timeout=within)
        except queue.Empty:
            return True
        return False

    def close(self) -> None:
        self.client.disconnect()


@dataclass
class MessagingApps:
    slack: SlackStandIn
    messenger: MessengerStandIn
    twilio: TwilioStandIn

    def env(self) -> dict[str, str]:
        return {**SLACK_ENV, **FACEBOOK_ENV, **TWILIO_ENV, "SLACK_API_URL": self.slack.api_url,
                "FACEBOOK_GRAPH_URL": self.messenger.base_url, "TWILIO_API_URL": self.twilio.base_url}


@contextmanager
def refusing(platform):
    platform.failing = True
    try:
        yield
    finally:
        platform.failing = False


# --- webhooks as the platforms sign them --------------------------------------------------------


def twilio_signature(url: str, form: dict[str, str], auth_token: str) -> str:
    """Twilio's documented scheme: base64 HMAC-SHA1 of the URL followed by the sorted form fields."""
    signed = url + "".join(name + form[name] for name in sorted(form))
    return base64.b64encode(hmac.new(auth_token.encode(), signed.encode(), hashlib.sha1).digest()).decode()


def twilio_message(sender: str, text: str, url: str) -> tuple[dict[str, str], dict[str, str]]:
    form = {"From": sender, "To": TWILIO_ENV["TWILIO_WHATSAPP_NUMBER"], "Body": text, "ProfileName": "Yael"}
    return form, {"X-Twilio-Signature": twilio_signature(url, form, TWILIO_ENV["TWILIO_AUTH_TOKEN"])}


def facebook_event(sender: str, text: str) -> tuple[bytes, dict[str, str]]:
    body = json.dumps({"object": "page", "entry": [{"id": "page-1", "time": 1, "messaging": [{
        "sender": {"id": sender}, "recipient": {"id": "page-1"}, "timestamp": 1,
        "message": {"mid": f"m-{sender}", "text": text}}]}]}).encode()
    signature = "sha1=" + hmac.new(FACEBOOK_ENV["FACEBOOK_SECRET"].encode(), body, hashlib.sha1).hexdigest()
    return body, {"X-Hub-Signature": signature, "Content-Type": "application/json"}


def slack_event(user: str, text: str, channel: str = "D1") -> bytes:
    return json.dumps({"type": "event_callback", "event": {
        "type": "message", "channel_type": "im", "user": user, "text": text, "channel": channel, "ts": "1.0"}}).encode()


def slack_headers(body: bytes, secret: str = SLACK_ENV["SLACK_SIGNING_SECRET"]) -> dict[str, str]:
    timestamp = str(int(time.time()))
    digest = hmac.new(secret.encode(), f"v0:{timestamp}:".encode() + body, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}",
            "Content-Type": "application/json"}


def post_slack(rasa_url: str, body: bytes, secret: str = SLACK_ENV["SLACK_SIGNING_SECRET"]) -> requests.Response:
    """Post a Slack event to the connector's webhook, signed with ``secret``."""
    return requests.post(f"{rasa_url}/webhooks/slack/webhook", data=body, headers=slack_headers(body, secret),
                         timeout=10)
