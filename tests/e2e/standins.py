"""Local stand-ins for the messaging platforms the Rasa connectors talk to.

- :class:`TelegramStandIn` speaks the subset of the Telegram Bot API that the connector uses
  (``getMe``, ``setWebhook``, ``sendMessage``, ``answerCallbackQuery``, ...) and records
  every call, so a test can wait for the bot's reply in a chat.
- :class:`CallbackCollector` is a custom gateway: it receives the callback channel's outgoing
  posts, checks their ``X-Effortless-Signature`` and records them per recipient.

Both are stdlib HTTP servers on a loopback port, run in a thread. ``standins`` is a pytest
fixture; ``tests/e2e/conftest.py`` re-exports it and passes :func:`standin_env` to the stack.
The helpers below build and post webhooks as the platforms would, push an agent line the way
the helpdesk does, and drive a chat through the escalation form.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

TELEGRAM_TOKEN = "123456789:effortless-test-token"
TELEGRAM_BOT_USERNAME = "effortless_test_bot"
TELEGRAM_SECRET_TOKEN = "telegram-webhook-secret"
TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
CALLBACK_SECRET = "callback-shared-secret"
CALLBACK_SIGNATURE_HEADER = "X-Effortless-Signature"

Predicate = Callable[[dict[str, Any]], bool]


def any_message(_: dict[str, Any]) -> bool:
    return True


class Recorder:
    """Thread-safe lists of recorded items per key, with waiting for an item to arrive."""

    def __init__(self) -> None:
        self._items: dict[str, list[dict[str, Any]]] = {}
        self._changed = threading.Condition()

    def add(self, key: Any, item: dict[str, Any]) -> None:
        with self._changed:
            self._items.setdefault(str(key), []).append(item)
            self._changed.notify_all()

    def items(self, key: Any) -> list[dict[str, Any]]:
        with self._changed:
            return list(self._items.get(str(key), []))

    def wait_for(self, key: Any, predicate: Predicate = any_message, timeout: float = 15.0) -> dict[str, Any]:
        """The first recorded item for ``key`` matching ``predicate``; fails after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                match = next((item for item in self._items.get(str(key), []) if predicate(item)), None)
                if match is not None:
                    return match
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"nothing matching arrived for {key!r} within {timeout} s; "
                        f"received: {self._items.get(str(key), [])!r}"
                    )
                self._changed.wait(remaining)


class StandInServer:
    """A loopback HTTP server in a daemon thread; subclasses implement :meth:`handle`."""

    def __init__(self) -> None:
        self._server: ThreadingHTTPServer | None = None
        self.base_url = ""

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        raise NotImplementedError

    def start(self) -> str:
        """Start serving; returns the base URL (``http://127.0.0.1:<port>``)."""
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def _serve(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, payload = stand_in.handle(self.command, self.path, dict(self.headers), body)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _serve

            def log_message(self, *_: Any) -> None:  # keep test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True, name=type(self).__name__).start()
        self.base_url = f"http://127.0.0.1:{self._server.server_address[1]}"
        return self.base_url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def header(headers: dict[str, str], name: str) -> str:
    """A request header's value ("" when absent); HTTP header names are case-insensitive."""
    return next((value for key, value in headers.items() if key.lower() == name.lower()), "")


def _request_parameters(path: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    """Bot API parameters, sent as a query string, urlencoded form or JSON (all three are allowed)."""
    parameters: dict[str, Any] = dict(parse_qsl(urlsplit(path).query))
    content_type = header(headers, "Content-Type")
    if body and content_type.startswith("application/json"):
        parameters.update(json.loads(body))
    elif body:
        parameters.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    if isinstance(parameters.get("reply_markup"), str):
        parameters["reply_markup"] = json.loads(parameters["reply_markup"])
    return parameters


class TelegramStandIn(StandInServer):
    """The Telegram Bot API, as far as the connector uses it, recording every call.

    Set :attr:`failing` to make ``sendMessage`` answer 500, as during a Telegram outage; put a
    chat id in :attr:`refusing` (with Telegram's error description) to refuse that chat for good.
    """

    def __init__(self, token: str = TELEGRAM_TOKEN, username: str = TELEGRAM_BOT_USERNAME) -> None:
        super().__init__()
        self.token = token
        self.username = username
        self.failing = False
        self.refusing: dict[str, str] = {}  # chat id -> e.g. "Forbidden: bot was blocked by the user"
        self._calls = Recorder()
        self._sent = Recorder()
        self._message_ids = itertools.count(1)

    def calls(self, method: str) -> list[dict[str, Any]]:
        """Parameters of every call of the Bot API ``method`` so far."""
        return self._calls.items(method)

    def wait_for_call(self, method: str, timeout: float = 15.0) -> dict[str, Any]:
        return self._calls.wait_for(method, timeout=timeout)

    def messages(self, chat_id: Any) -> list[dict[str, Any]]:
        """Messages sent to ``chat_id``: ``{"text": ..., "reply_markup": ...}``, in order."""
        return self._sent.items(chat_id)

    def wait_for(self, chat_id: Any, predicate: Predicate = any_message, timeout: float = 15.0) -> dict[str, Any]:
        return self._sent.wait_for(chat_id, predicate, timeout)

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        token, _, api_method = urlsplit(path).path.removeprefix("/bot").partition("/")
        if token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        parameters = _request_parameters(path, headers, body)
        self._calls.add(api_method, parameters)
        if api_method == "getMe":
            return self._ok({"id": int(self.token.split(":")[0]), "is_bot": True,
                             "first_name": "Effortless", "username": self.username})
        if api_method in ("setWebhook", "deleteWebhook", "answerCallbackQuery"):
            return self._ok(True)
        if api_method == "sendMessage":
            return self._send_message(parameters)
        return 404, {"ok": False, "error_code": 404, "description": "Not Found: method not found"}

    def _send_message(self, parameters: dict[str, Any]) -> tuple[int, Any]:
        if self.failing:
            return 500, {"ok": False, "error_code": 500, "description": "Internal Server Error"}
        text, chat_id = parameters.get("text", ""), parameters.get("chat_id")
        if str(chat_id) in self.refusing:
            description = self.refusing[str(chat_id)]
            code = 403 if description.startswith("Forbidden") else 400
            return code, {"ok": False, "error_code": code, "description": description}
        if not text.strip() or chat_id is None:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message text is empty"}
        if len(text.encode("utf-16-le")) // 2 > 4096:
            return 400, {"ok": False, "error_code": 400, "description": "Bad Request: message is too long"}
        self._sent.add(chat_id, {"text": text, "reply_markup": parameters.get("reply_markup")})
        return self._ok({"message_id": next(self._message_ids), "date": int(time.time()),
                         "chat": {"id": int(chat_id), "type": "private"}, "text": text})

    @staticmethod
    def _ok(result: Any) -> tuple[int, Any]:
        return 200, {"ok": True, "result": result}


def sign(secret: str, body: bytes) -> str:
    """The callback channel's signature of ``body``: ``sha256=`` + hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class CallbackCollector(StandInServer):
    """A custom gateway receiving the bot's messages; posts with a bad signature get 403."""

    PATH = "/bot-messages"

    def __init__(self, secret: str = CALLBACK_SECRET) -> None:
        super().__init__()
        self.secret = secret
        self.rejected = 0
        self._received = Recorder()

    @property
    def url(self) -> str:
        return self.base_url + self.PATH

    def messages(self, recipient_id: str) -> list[dict[str, Any]]:
        """Bot messages posted for ``recipient_id`` (Rasa's message dicts), in order."""
        return self._received.items(recipient_id)

    def wait_for(self, recipient_id: str, predicate: Predicate = any_message, timeout: float = 15.0) -> dict[str, Any]:
        return self._received.wait_for(recipient_id, predicate, timeout)

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        if method != "POST" or urlsplit(path).path != self.PATH:
            return 404, {"error": "not found"}
        signature = header(headers, CALLBACK_SIGNATURE_HEADER)
        if not hmac.compare_digest(sign(self.secret, body).encode(), signature.encode()):
            self.rejected += 1
            return 403, {"error": "bad signature"}
        message = json.loads(body)
        self._received.add(message["recipient_id"], message)
        return 200, {"status": "ok"}


class MessagingPlatform(StandInServer):
    """A platform's send-message API: checks its credentials, records each message per recipient.

    Set :attr:`failing` to make it refuse every message the way that platform does in an outage;
    put a recipient in :attr:`refusing` (with the platform's error) to refuse it for good.
    """

    def __init__(self) -> None:
        super().__init__()
        self.failing = False
        self.refusing: dict[str, Any] = {}  # recipient -> Slack error string, Twilio error code, Send API error
        self._sent = Recorder()

    def messages(self, recipient: str) -> list[dict[str, Any]]:
        return self._sent.items(recipient)

    def wait_for(self, recipient: str, predicate: Predicate = any_message, timeout: float = 15.0) -> dict[str, Any]:
        return self._sent.wait_for(recipient, predicate, timeout)


class SlackStandIn(MessagingPlatform):
    """Slack's Web API ``chat.postMessage`` (Bearer bot token; JSON or form body)."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    @property
    def api_url(self) -> str:
        return self.base_url + "/api/"

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        if urlsplit(path).path != "/api/chat.postMessage":
            return 200, {"ok": False, "error": "unknown_method"}  # Slack answers errors with 200
        if header(headers, "Authorization") != f"Bearer {self.token}":
            return 200, {"ok": False, "error": "invalid_auth"}
        if self.failing:
            return 200, {"ok": False, "error": "fatal_error"}
        parameters = _request_parameters(path, headers, body)
        if parameters.get("channel") in self.refusing:
            return 200, {"ok": False, "error": self.refusing[parameters["channel"]]}
        if not parameters.get("channel") or not (parameters.get("text") or parameters.get("blocks")):
            return 200, {"ok": False, "error": "no_text"}
        self._sent.add(parameters["channel"], {"text": parameters.get("text", "")})
        return 200, {"ok": True, "channel": parameters["channel"], "ts": f"{time.time():.6f}"}


class MessengerStandIn(MessagingPlatform):
    """Facebook's Graph API ``POST /v{version}/me/messages?access_token=...`` (Send API)."""

    def __init__(self, page_access_token: str) -> None:
        super().__init__()
        self.page_access_token = page_access_token

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        parts = urlsplit(path)
        if method != "POST" or not re.fullmatch(r"/v[\d.]+/me/messages", parts.path):
            return 400, {"error": {"message": "Unknown path components", "type": "OAuthException", "code": 2500}}
        if dict(parse_qsl(parts.query)).get("access_token") != self.page_access_token:
            return 400, {"error": {"message": "Invalid OAuth access token.", "type": "OAuthException", "code": 190}}
        if self.failing:
            return 500, {"error": {"message": "An unexpected error has occurred.", "type": "OAuthException",
                                   "code": 2, "is_transient": True}}
        payload = json.loads(body)
        recipient = (payload.get("recipient") or {}).get("id")
        if recipient in self.refusing:
            return 400, {"error": self.refusing[recipient]}
        if "sender_action" in payload:
            return 200, {"recipient_id": recipient}
        text = (payload.get("message") or {}).get("text")
        if not recipient or not text:
            return 400, {"error": {"message": "(#100) The parameter message is required", "code": 100}}
        self._sent.add(recipient, {"text": text, "messaging_type": payload.get("messaging_type")})
        return 200, {"recipient_id": recipient, "message_id": f"m_{next(_message_ids)}"}


class TwilioStandIn(MessagingPlatform):
    """Twilio's REST API ``POST /2010-04-01/Accounts/{sid}/Messages.json`` (basic auth sid:token)."""

    def __init__(self, account_sid: str, auth_token: str) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.expected_auth = "Basic " + base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()

    def handle(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, Any]:
        if urlsplit(path).path != f"/2010-04-01/Accounts/{self.account_sid}/Messages.json" or method != "POST":
            return 404, {"code": 20404, "message": "The requested resource was not found", "status": 404}
        if header(headers, "Authorization") != self.expected_auth:
            return 401, {"code": 20003, "message": "Authenticate", "status": 401}
        if self.failing:
            return 500, {"code": 20500, "message": "Internal Server Error", "status": 500}
        form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        if form.get("To") in self.refusing:
            code = self.refusing[form["To"]]
            return 400, {"code": code, "message": f"Twilio error {code}", "status": 400}
        if not form.get("To") or not form.get("From") or not form.get("Body"):
            return 400, {"code": 21602, "message": "Message body is required.", "status": 400}
        self._sent.add(form["To"], {"text": form["Body"], "from": form["From"]})
        return 201, {"sid": f"SM{next(_message_ids):032d}", "account_sid": self.account_sid, "to": form["To"],
                     "from": form["From"], "body": form["Body"], "status": "queued", "num_segments": "1",
                     "direction": "outbound-api", "api_version": "2010-04-01"}


_message_ids = itertools.count(1)


# --- building and posting webhooks -------------------------------------------------------------

_update_ids = itertools.count(1)


def telegram_user(chat_id: int, first_name: str = "Dana", last_name: str = "Levi",
                  username: str = "dana_l") -> dict[str, Any]:
    return {"id": chat_id, "is_bot": False, "first_name": first_name, "last_name": last_name,
            "username": username, "language_code": "en"}


def telegram_update(chat_id: int, text: str, **user: str) -> dict[str, Any]:
    """A Bot API ``Update`` carrying a private-chat text message from the user ``chat_id``."""
    return {
        "update_id": next(_update_ids),
        "message": {
            "message_id": next(_update_ids),
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private"},
            "from": telegram_user(chat_id, **user),
            "text": text,
        },
    }


def telegram_button_press(chat_id: int, data: str) -> dict[str, Any]:
    """An ``Update`` for a press on an inline button whose callback data is ``data``."""
    return {
        "update_id": next(_update_ids),
        "callback_query": {
            "id": str(next(_update_ids)),
            "from": telegram_user(chat_id),
            "chat_instance": "1",
            "data": data,
            "message": {"message_id": 1, "date": int(time.time()),
                        "chat": {"id": chat_id, "type": "private"}, "text": "buttons"},
        },
    }


def post_telegram_update(rasa_url: str, update: Any, secret_token: str | None = TELEGRAM_SECRET_TOKEN,
                         timeout: float = 60.0) -> requests.Response:
    """POST an update (or raw bytes) to the Telegram webhook as Telegram would."""
    body = update if isinstance(update, bytes) else json.dumps(update).encode()
    headers = {"Content-Type": "application/json"}
    if secret_token is not None:
        headers[TELEGRAM_SECRET_HEADER] = secret_token
    return requests.post(f"{rasa_url}/webhooks/telegram/webhook", data=body, headers=headers, timeout=timeout)


def post_callback(rasa_url: str, payload: Any, secret: str | None = CALLBACK_SECRET,
                  timeout: float = 60.0) -> requests.Response:
    """POST a message (or raw bytes) to the callback channel as a gateway would, signed with ``secret``."""
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[CALLBACK_SIGNATURE_HEADER] = sign(secret, body)
    return requests.post(f"{rasa_url}/webhooks/callback/webhook", data=body, headers=headers, timeout=timeout)


def push_agent_line(rasa_url: str, rasa_token: str, conversation_id: str, text: str,
                    agent_name: str = "Omer") -> requests.Response:
    """What the helpdesk does for each agent line: an external intent, answered on the latest channel."""
    return requests.post(
        f"{rasa_url}/conversations/{conversation_id}/trigger_intent",
        params={"output_channel": "latest", "token": rasa_token},
        json={"name": "EXTERNAL_agent_message", "entities": {"agent_message": text, "agent_name": agent_name}},
        timeout=60,
    )


@dataclass
class Escalation:
    """How the escalation form went: the questions the bot asked and its confirmation."""

    asked: list[str]
    confirmation: str

    @property
    def reference(self) -> str:
        """The ticket reference (``T-1042``) the bot confirmed."""
        return re.search(r"T-\d+", self.confirmation).group(0)


def escalate(send: Callable[[str], Any], bot_texts: Callable[[], list[str]], answers: dict[str, str],
             timeout: float = 90.0, confirmation: str = r"your ticket is T-\d+") -> Escalation:
    """Ask for a human, answer the escalation form until the ticket is confirmed.

    ``answers`` maps a regex for a question to the reply; the result lists the patterns of the
    questions the bot asked, in order, so a test can check what it did *not* ask. ``confirmation``
    matches the bot's ticket confirmation (the built-in helpdesk's references look like T-1042).
    """
    seen = len(bot_texts())
    asked: list[str] = []
    send("I want to talk to a human")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        texts = bot_texts()
        for text in texts[seen:]:
            seen += 1
            if re.search(confirmation, text, re.IGNORECASE):
                return Escalation(asked, text)
            pattern = next((p for p in answers if re.search(p, text, re.IGNORECASE)), None)
            if pattern is not None:
                asked.append(pattern)
                send(answers[pattern])
        time.sleep(0.2)
    raise AssertionError(f"no ticket confirmation within {timeout} s; the bot said: {bot_texts()!r}")


# --- the fixture the stack is started with ---------------------------------------------------------


@dataclass
class StandIns:
    telegram: TelegramStandIn
    callback: CallbackCollector


def standin_env(standins: StandIns) -> dict[str, str]:
    """Env vars that switch on the Telegram and callback channels, pointed at the stand-ins."""
    return {
        "TELEGRAM_TOKEN": standins.telegram.token,
        "TELEGRAM_VERIFY": standins.telegram.username,
        "TELEGRAM_WEBHOOK_URL": "https://effortless.example/webhooks/telegram/webhook",
        "TELEGRAM_API_URL": standins.telegram.base_url,
        "TELEGRAM_SECRET_TOKEN": TELEGRAM_SECRET_TOKEN,
        "CALLBACK_URL": standins.callback.url,
        "CALLBACK_SECRET": standins.callback.secret,
    }


@contextmanager
def serving(*stand_ins: StandInServer) -> Iterator[None]:
    """Start the stand-ins; stop them on the way out."""
    for stand_in in stand_ins:
        stand_in.start()
    try:
        yield
    finally:
        for stand_in in stand_ins:
            stand_in.stop()


@pytest.fixture(scope="session")
def standins() -> Iterator[StandIns]:
    """A running Telegram stand-in and callback collector, shared by the whole session."""
    running = StandIns(telegram=TelegramStandIn(), callback=CallbackCollector())
    with serving(running.telegram, running.callback):
        yield running
