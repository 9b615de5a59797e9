"""Messaging-app connectors for the Rasa server: Rasa's own connectors, hardened.

Each class subclasses the Rasa 3.6 connector of the same name and adds what a production
deployment needs and Rasa leaves out:

- every webhook is authenticated before it is read (Telegram secret token, an HMAC on the
  callback channel, Twilio's and Facebook's signatures) and answered with 403 when it is not;
- malformed payloads are answered with 400; both are logged (never with the secret) and
  neither reaches the bot;
- the customer's name, when the platform tells us, travels in the message metadata
  (``customer_name``) so the escalation form does not ask for it again;
- ``get_output_channel()`` works inside the running server, so agent replies during a
  handoff (pushed through Rasa's HTTP API with ``output_channel=latest``) reach the
  customer on the channel they came from;
- a platform that cannot be reached is handled per direction: a reply to an incoming
  webhook logs the failure, so the customer's message is still saved in the tracker; a
  push (``get_output_channel()``) raises, so Rasa answers 500 and the helpdesk retries;
- each platform's API base URL is configurable (``api_url``: Telegram Bot API, Slack Web API,
  Facebook Graph API, Twilio REST API), for a local API server, a proxy or a test stand-in.

Configured by ``var/credentials.yml``, which ``bot/channels.py`` renders from env vars.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, Iterator, Optional, Text

import aiohttp
import requests
from aiogram.bot.api import Methods, TelegramAPIServer
from aiogram.utils.exceptions import TelegramAPIError
from fbmessenger import MessengerClient
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncRedisManager
from twilio.base.exceptions import TwilioException
from twilio.request_validator import RequestValidator

from rasa.core.channels import callback, facebook, slack, socketio, telegram, twilio
from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, OutputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]

TELEGRAM_API_URL = "https://api.telegram.org"
SLACK_API_URL = "https://slack.com/api/"
FACEBOOK_GRAPH_URL = "https://graph.facebook.com"
TWILIO_API_URL = "https://api.twilio.com"
TELEGRAM_SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
TELEGRAM_MAX_TEXT = 4096  # UTF-16 code units per message, a Bot API limit
# Telegram sends "/start" when someone opens the bot; Rasa would read it as an unknown intent.
TELEGRAM_START_MESSAGE = "/greet"
CALLBACK_SIGNATURE_HEADER = "X-Effortless-Signature"
MAX_SENDER_ID_CHARS = 255  # the tracker store's sender_id column
MAX_MESSAGE_CHARS = 10_000
DELIVERY_ERRORS = (TelegramAPIError, aiohttp.ClientError, asyncio.TimeoutError)


class MalformedPayload(ValueError):
    """A webhook body the connector cannot turn into a user message; the text says why."""


@dataclass(frozen=True)
class IncomingMessage:
    """What a webhook carries for the bot, once validated."""

    sender_id: str
    text: str
    metadata: Dict[str, Any] = field(default_factory=dict)
    callback_query_id: Optional[str] = None


def reject(request: Request, channel: str, status: int, reason: str) -> HTTPResponse:
    """Log a refused webhook (never its secrets) and answer it with ``status``."""
    logger.warning("Rejected %s webhook from %s with %s: %s", channel, request.ip, status, reason)
    return response.json({"error": reason}, status=status)


def json_body(request: Request) -> Any:
    """The request body parsed as JSON, or :class:`MalformedPayload`."""
    try:
        return json.loads(request.body)
    except ValueError:  # includes undecodable bytes
        raise MalformedPayload("the body is not valid JSON") from None


def secrets_match(expected: str, provided: Optional[str]) -> bool:
    """Constant-time comparison that also copes with non-ASCII header values.

    Sanic decodes undecodable header bytes as surrogates, hence ``surrogateescape``.
    """
    return hmac.compare_digest(
        expected.encode("utf-8"), (provided or "").encode("utf-8", errors="surrogateescape")
    )


def callback_signature(secret: str, body: bytes) -> str:
    """The ``X-Effortless-Signature`` value for ``body``: ``sha256=`` + hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


async def deliver(on_new_message: OnNewMessage, message: UserMessage, channel: str) -> None:
    """Hand a message to the bot; a failure is logged, never turned into a platform retry storm."""
    try:
        await on_new_message(message)
    except Exception:  # noqa: BLE001 - the webhook must still be acknowledged
        logger.exception("The bot failed to handle a %s message from %s", channel, message.sender_id)


# --- Telegram --------------------------------------------------------------------------------


def _object(container: Dict[str, Any], key: str, what: str) -> Dict[str, Any]:
    value = container.get(key)
    if not isinstance(value, dict):
        raise MalformedPayload(f"{what} must be an object")
    return value


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def telegram_customer(user: Any) -> Dict[str, str]:
    """Metadata naming the Telegram user: ``customer_name`` and ``telegram_username``."""
    if not isinstance(user, dict):
        return {}
    names = [user.get("first_name"), user.get("last_name")]
    full_name = " ".join(name.strip() for name in names if isinstance(name, str) and name.strip())
    metadata = {}
    if full_name:
        metadata["customer_name"] = full_name
    if isinstance(user.get("username"), str) and user["username"]:
        metadata["telegram_username"] = user["username"]
    return metadata


def parse_telegram_update(update: Any) -> Optional[IncomingMessage]:
    """The user message in a Bot API ``Update``; ``None`` for updates the bot ignores.

    Handled: text messages, edited text messages and inline-button presses; ``/start`` (sent
    when someone opens the bot) becomes a greeting. Other valid updates (photos, stickers,
    channel posts, ...) are acknowledged and dropped.
    """
    if not isinstance(update, dict) or not _is_id(update.get("update_id")):
        raise MalformedPayload("not a Telegram update: an object with an integer update_id is required")
    callback_query_id = None
    if "callback_query" in update:
        query = _object(update, "callback_query", "callback_query")
        if "message" not in query:
            return None  # a button on an inline-mode message: there is no chat to answer in
        message = _object(query, "message", "callback_query.message")
        text, user, callback_query_id = query.get("data"), query.get("from"), query.get("id")
        if not isinstance(callback_query_id, str):
            raise MalformedPayload("callback_query.id must be a string")
    elif "message" in update or "edited_message" in update:
        kind = "message" if "message" in update else "edited_message"
        message = _object(update, kind, kind)
        text, user = message.get("text"), message.get("from")
        if text is None:
            return None  # not a text message
    else:
        return None
    chat = _object(message, "chat", "the message's chat")
    if not _is_id(chat.get("id")):
        raise MalformedPayload("the message's chat.id must be an integer")
    if not isinstance(text, str):
        raise MalformedPayload("the message text must be a string")
    if not text.strip():
        return None
    if text == "/start" or text.startswith("/start "):
        text = TELEGRAM_START_MESSAGE
    return IncomingMessage(str(chat["id"]), text, telegram_customer(user), callback_query_id)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def telegram_text_parts(text: str, limit: int = TELEGRAM_MAX_TEXT) -> Iterator[str]:
    """Split a reply into Telegram messages: one per paragraph, long paragraphs cut to ``limit``."""
    for paragraph in text.strip().split("\n\n"):
        paragraph = paragraph.strip()
        part, part_length = [], 0
        for char in paragraph:
            char_length = utf16_length(char)
            if part_length + char_length > limit:
                yield "".join(part)
                part, part_length = [], 0
            part.append(char)
            part_length += char_length
        if part:
            yield "".join(part)


class TelegramOutput(telegram.TelegramOutput):
    """Telegram messages through a configurable Bot API server.

    A delivery failure is logged, and re-raised when ``raise_on_failure`` (pushes).
    """

    def __init__(
        self, access_token: Optional[Text], api_url: str = TELEGRAM_API_URL, raise_on_failure: bool = False
    ) -> None:
        super().__init__(access_token)
        self.server = TelegramAPIServer.from_base(api_url)
        self.raise_on_failure = raise_on_failure

    async def send_response(self, recipient_id: Text, message: Dict[Text, Any]) -> None:
        try:
            await super().send_response(recipient_id, message)
        except DELIVERY_ERRORS as error:
            logger.error("Could not deliver a message to Telegram chat %s: %s", recipient_id, error)
            if self.raise_on_failure:
                raise

    async def send_text_message(self, recipient_id: Text, text: Text, **kwargs: Any) -> None:
        for part in telegram_text_parts(text):
            await self.send_message(recipient_id, part)

    async def acknowledge_button(self, callback_query_id: str) -> None:
        """Stop the button's loading spinner in the Telegram app."""
        try:
            await self.answer_callback_query(callback_query_id)
        except DELIVERY_ERRORS as error:
            logger.warning("Could not acknowledge a Telegram button press: %s", error)


class TelegramInput(telegram.TelegramInput):
    """Telegram webhook with secret-token check, strict parsing and the customer's name.

    Credentials: ``access_token``, ``verify`` (the bot's username), ``webhook_url``, and
    optionally ``secret_token`` and ``api_url``. The webhook is registered with Telegram once,
    when the server has started; a failure is logged and can be retried by calling
    ``/webhooks/telegram/set_webhook``.
    """

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            credentials.get("access_token"),
            credentials.get("verify"),
            credentials.get("webhook_url"),
            api_url=credentials.get("api_url") or TELEGRAM_API_URL,
            secret_token=credentials.get("secret_token") or None,
        )

    def __init__(
        self,
        access_token: Optional[Text],
        verify: Optional[Text],
        webhook_url: Optional[Text],
        api_url: str = TELEGRAM_API_URL,
        secret_token: Optional[str] = None,
    ) -> None:
        super().__init__(access_token, verify, webhook_url, debug_mode=False)
        self.api_url = api_url
        self.secret_token = secret_token
        self._reply_output: Optional[TelegramOutput] = None
        self._push_output: Optional[TelegramOutput] = None

    def get_output_channel(self) -> TelegramOutput:
        """The client Rasa's HTTP API pushes with (agent replies); it raises on delivery failure.

        Created once, lazily, inside the server's event loop: Rasa's version registers the
        webhook here with ``asyncio.run``, which fails inside a request handler.
        """
        if self._push_output is None:
            self._push_output = TelegramOutput(self.access_token, self.api_url, raise_on_failure=True)
        return self._push_output

    def reply_channel(self) -> TelegramOutput:
        """The client that answers incoming messages; it logs delivery failures."""
        if self._reply_output is None:
            self._reply_output = TelegramOutput(self.access_token, self.api_url)
        return self._reply_output

    async def register_webhook(self) -> bool:
        """Point Telegram at our webhook (with the secret token); log and report failure."""
        bot = self.reply_channel()
        try:
            me = await bot.get_me()
            if me.username != self.verify:
                logger.error(
                    "TELEGRAM_VERIFY is %r but the token belongs to the bot %r", self.verify, me.username
                )
            parameters = {"url": self.webhook_url}
            if self.secret_token:
                parameters["secret_token"] = self.secret_token
            await bot.request(Methods.SET_WEBHOOK, parameters)
        except DELIVERY_ERRORS as error:
            logger.error("Could not register the Telegram webhook %s: %s", self.webhook_url, error)
            return False
        logger.info("Telegram webhook registered: %s", self.webhook_url)
        return True

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        telegram_webhook = Blueprint("telegram_webhook", __name__)

        @telegram_webhook.listener("after_server_start")
        async def register_at_start(*_: Any) -> None:
            await self.register_webhook()

        @telegram_webhook.listener("after_server_stop")
        async def close_clients(*_: Any) -> None:
            for output in (self._reply_output, self._push_output):
                if output is not None:
                    await output.session.close()

        @telegram_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @telegram_webhook.route("/set_webhook", methods=["GET", "POST"])
        async def set_webhook(_: Request) -> HTTPResponse:
            registered = await self.register_webhook()
            return response.json({"registered": registered}, status=200 if registered else 502)

        @telegram_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            if self.secret_token and not secrets_match(
                self.secret_token, request.headers.get(TELEGRAM_SECRET_HEADER)
            ):
                return reject(request, "telegram", 403, "missing or wrong secret token")
            try:
                incoming = parse_telegram_update(json_body(request))
            except MalformedPayload as error:
                return reject(request, "telegram", 400, str(error))
            if incoming is None:
                return response.text("success")
            bot = self.reply_channel()
            if incoming.callback_query_id:
                await bot.acknowledge_button(incoming.callback_query_id)
            message = UserMessage(
                incoming.text,
                bot,
                incoming.sender_id,
                input_channel=self.name(),
                metadata=incoming.metadata,
            )
            await deliver(on_new_message, message, "telegram")
            return response.text("success")

        return telegram_webhook


# --- Callback (custom gateways) --------------------------------------------------------------


def parse_callback_payload(payload: Any) -> IncomingMessage:
    """Validate ``{"sender": str, "message": str, "metadata": {...}?}``."""
    if not isinstance(payload, dict):
        raise MalformedPayload("the body must be a JSON object")
    sender, text, metadata = payload.get("sender"), payload.get("message"), payload.get("metadata")
    if not isinstance(sender, str) or not sender.strip():
        raise MalformedPayload("sender must be a non-empty string")
    if len(sender) > MAX_SENDER_ID_CHARS:
        raise MalformedPayload(f"sender must be at most {MAX_SENDER_ID_CHARS} characters")
    if not isinstance(text, str) or not text.strip():
        raise MalformedPayload("message must be a non-empty string")
    if len(text) > MAX_MESSAGE_CHARS:
        raise MalformedPayload(f"message must be at most {MAX_MESSAGE_CHARS} characters")
    if metadata is not None and not isinstance(metadata, dict):
        raise MalformedPayload("metadata must be an object")
    return IncomingMessage(sender, text, metadata or {})


class CallbackOutput(CollectingOutputChannel):
    """Posts each bot message, signed, to the gateway's URL.

    A delivery failure is logged, and re-raised when ``raise_on_failure`` (pushes).
    """

    @classmethod
    def name(cls) -> Text:
        return "callback"

    def __init__(self, endpoint: EndpointConfig, secret: str, raise_on_failure: bool = False) -> None:
        super().__init__()
        self.callback_endpoint = endpoint
        self.secret = secret
        self.raise_on_failure = raise_on_failure

    async def _persist_message(self, message: Dict[Text, Any]) -> None:
        await super()._persist_message(message)
        body = json.dumps(message, ensure_ascii=False).encode("utf-8")
        try:
            await self.callback_endpoint.request(
                "post",
                content_type="application/json",
                data=body,
                headers={CALLBACK_SIGNATURE_HEADER: callback_signature(self.secret, body)},
            )
        except ClientResponseError as error:
            logger.error(
                "The callback URL refused a message for %s: status %s", message.get("recipient_id"), error.status
            )
            if self.raise_on_failure:
                raise
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            logger.error(
                "Could not deliver a message for %s to the callback URL: %s: %s",
                message.get("recipient_id"), type(error).__name__, error,
            )
            if self.raise_on_failure:
                raise


class CallbackInput(callback.CallbackInput):
    """The callback channel with HMAC-signed webhooks in both directions.

    Credentials: ``url`` (where bot messages are posted), ``secret`` (shared with the
    gateway), plus any other :class:`EndpointConfig` keys (``headers``, ``token``, ...).
    """

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = dict(credentials or {})
        secret = credentials.pop("secret", None)
        if not credentials.get("url") or not secret:
            raise RasaException("The callback channel needs both 'url' and 'secret' in its credentials.")
        return cls(EndpointConfig.from_dict(credentials), secret)

    def __init__(self, endpoint: EndpointConfig, secret: str) -> None:
        super().__init__(endpoint)
        self.secret = secret

    def get_output_channel(self) -> CallbackOutput:
        """The channel Rasa's HTTP API pushes with (agent replies); it raises on delivery failure."""
        return CallbackOutput(self.callback_endpoint, self.secret, raise_on_failure=True)

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        callback_webhook = Blueprint("callback_webhook", __name__)

        @callback_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @callback_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            expected = callback_signature(self.secret, request.body)
            if not secrets_match(expected, request.headers.get(CALLBACK_SIGNATURE_HEADER)):
                return reject(request, "callback", 403, f"missing or wrong {CALLBACK_SIGNATURE_HEADER}")
            try:
                incoming = parse_callback_payload(json_body(request))
            except MalformedPayload as error:
                return reject(request, "callback", 400, str(error))
            message = UserMessage(
                incoming.text,
                CallbackOutput(self.callback_endpoint, self.secret),
                incoming.sender_id,
                input_channel=self.name(),
                metadata=incoming.metadata,
            )
            await on_new_message(message)
            return response.text("success")

        return callback_webhook


# --- Twilio (WhatsApp), Facebook Messenger, Slack --------------------------------------------


class TwilioInput(twilio.TwilioInput):
    """Twilio (WhatsApp) webhook that verifies ``X-Twilio-Signature`` and names the customer.

    Credentials add ``webhook_url``: the exact URL configured in Twilio, needed for the
    signature when a proxy rewrites the URL the server sees; and ``api_url``.
    """

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        if not credentials:
            cls.raise_missing_credentials_exception()
        return cls(
            credentials.get("account_sid"),
            credentials.get("auth_token"),
            credentials.get("twilio_number"),
            webhook_url=credentials.get("webhook_url") or None,
            api_url=credentials.get("api_url") or TWILIO_API_URL,
        )

    def __init__(
        self,
        account_sid: Optional[Text],
        auth_token: Optional[Text],
        twilio_number: Optional[Text],
        webhook_url: Optional[str] = None,
        api_url: str = TWILIO_API_URL,
    ) -> None:
        super().__init__(account_sid, auth_token, twilio_number, debug_mode=False)
        self.webhook_url = webhook_url
        self.api_url = api_url

    def get_output_channel(self) -> OutputChannel:
        """The client Rasa's HTTP API pushes with (agent replies); it raises on delivery failure."""
        return self.twilio_output(raise_on_failure=True)

    def twilio_output(self, raise_on_failure: bool = False) -> "TwilioOutput":
        return TwilioOutput(self.account_sid, self.auth_token, self.twilio_number, self.api_url, raise_on_failure)

    def get_metadata(self, request: Request) -> Dict[Text, Any]:
        """WhatsApp tells Twilio the sender's profile name."""
        name = (request.form.get("ProfileName") or "").strip()
        return {"customer_name": name} if name else {}

    def incoming_text(self, request: Request) -> Optional[str]:
        """The message text, as Rasa reads it: a shared location becomes ``/locationData``."""
        if self._is_location_message(request):
            return "/locationData{{'Latitude': {},'Longitude': {}}}".format(
                request.form.get("Latitude"), request.form.get("Longitude"))
        text = request.form.get("Body")
        return text.replace("¡", "@") if text else None  # some carriers turn @ into ¡

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        """Rasa's routes; POSTs are verified and handled here, answered with a client that logs failures."""
        twilio_webhook = super().blueprint(on_new_message)
        validator = RequestValidator(self.auth_token or "")

        @twilio_webhook.middleware("request")
        async def verify_and_handle(request: Request) -> Optional[HTTPResponse]:
            if request.method != "POST":
                return None
            signature = request.headers.get("X-Twilio-Signature", "")
            if not validator.validate(self.webhook_url or request.url, request.form, signature):
                return reject(request, "twilio", 403, "missing or wrong X-Twilio-Signature")
            sender = request.form.get("From")
            if not sender:
                return reject(request, "twilio", 400, "the message has no From")
            text = self.incoming_text(request)
            if text is not None:
                message = UserMessage(text, self.twilio_output(), sender, input_channel=self.name(),
                                      metadata=self.get_metadata(request))
                await deliver(on_new_message, message, "twilio")
            return response.text("", status=204)

        return twilio_webhook


class TwilioOutput(twilio.TwilioOutput):
    """WhatsApp messages through Twilio's REST API at ``api_url``, sent off the event loop (the
    client blocks). A send Twilio refuses is logged, and re-raised when ``raise_on_failure``
    (pushes), so the helpdesk retries the agent's reply; Rasa's version only logs it."""

    def __init__(
        self, account_sid: Optional[Text], auth_token: Optional[Text], twilio_number: Optional[Text],
        api_url: str = TWILIO_API_URL, raise_on_failure: bool = False,
    ) -> None:
        super().__init__(account_sid, auth_token, twilio_number)
        self.api.base_url = api_url
        self.raise_on_failure = raise_on_failure

    async def _send_message(self, message_data: Dict[Text, Any]) -> Any:
        try:
            return await asyncio.to_thread(self.messages.create, **message_data)
        except (TwilioException, requests.RequestException) as error:
            logger.error("Could not deliver a WhatsApp message to %s through Twilio: %s", message_data.get("to"), error)
            if self.raise_on_failure:
                raise
            return None


class ApiUrlFromCredentials:
    """For Rasa connectors built by their own ``from_credentials``: the platform API's base URL
    comes from the credentials' ``api_url``, else the platform's own (``api_url`` here)."""

    api_url = ""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        channel = super().from_credentials(credentials)  # type: ignore[misc]
        channel.api_url = (credentials or {}).get("api_url") or cls.api_url
        return channel


class FacebookInput(ApiUrlFromCredentials, facebook.FacebookInput):
    """Facebook Messenger webhook answering bad signatures with 403 (Rasa answers 200).

    Credentials add ``api_url``, the Graph API's base URL. Rasa's handler builds its own
    Messenger client for each request, so messages are handled here, with ours.
    """

    api_url = FACEBOOK_GRAPH_URL

    def get_output_channel(self) -> OutputChannel:
        """The client Rasa's HTTP API pushes with (agent replies); it raises on delivery failure."""
        return facebook.MessengerBot(GraphApiClient(self.fb_access_token, self.api_url, raise_on_failure=True))

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        fb_webhook = super().blueprint(on_new_message)

        @fb_webhook.middleware("request")
        async def verify_and_handle(request: Request) -> Optional[HTTPResponse]:
            if request.method != "POST":
                return None
            if not self.signature_valid(request):
                return reject(request, "facebook", 403, "missing or wrong X-Hub-Signature")
            try:
                payload = json_body(request)
                if not isinstance(payload, dict):
                    raise MalformedPayload("the body must be a JSON object")
            except MalformedPayload as error:
                return reject(request, "facebook", 400, str(error))
            messenger = facebook.Messenger(self.fb_access_token, on_new_message)
            messenger.client = GraphApiClient(self.fb_access_token, self.api_url)
            try:
                await messenger.handle(payload, self.get_metadata(request))
            except Exception:  # noqa: BLE001 - answered 200 all the same, or Facebook sends it again
                logger.exception("The bot failed to handle a facebook message")
            return response.text("success")

        return fb_webhook

    def signature_valid(self, request: Request) -> bool:
        """Rasa's own check (the one its handler repeats), made safe against odd headers."""
        try:
            return self.validate_hub_signature(
                self.fb_secret, request.body, request.headers.get("X-Hub-Signature") or ""
            )
        except (AttributeError, TypeError, ValueError):  # e.g. an unknown hash name in the header
            return False


class GraphApiClient(MessengerClient):
    """fbmessenger's client on a configurable Graph API URL. fbmessenger hands back the Send API's
    error answers as if they were results; here each is logged, and raised when
    ``raise_on_failure`` (pushes), so the helpdesk retries the agent's reply."""

    def __init__(self, page_access_token: Text, api_url: str, raise_on_failure: bool = False) -> None:
        super().__init__(page_access_token)
        self.graph_url = f"{api_url.rstrip('/')}/v{self.api_version}"
        self.raise_on_failure = raise_on_failure

    def send(self, payload: Dict[Text, Any], recipient_id: Text, *args: Any, **kwargs: Any) -> Any:
        answer = super().send(payload, recipient_id, *args, **kwargs)
        error = answer.get("error") if isinstance(answer, dict) else None
        if error:
            reason = error.get("message", error) if isinstance(error, dict) else error
            logger.error("Could not deliver a Messenger message to %s: %s", recipient_id, reason)
            if self.raise_on_failure:
                raise MessengerRefused(str(reason))
        return answer


class MessengerRefused(RasaException):
    """Facebook's Send API answered with an error."""


class SocketIOInput(socketio.SocketIOInput):
    """Rasa's socket.io channel with its emits shared through Redis (credential ``redis_url``).

    A socket lives in one Rasa replica, but the helpdesk's push (an agent reply) may reach any
    replica. With python-socketio's Redis manager every replica publishes its emits and each
    delivers those for the sockets it holds, so the reply reaches the customer's web chat.
    """

    redis_url = ""

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        channel = super().from_credentials(credentials)
        channel.redis_url = (credentials or {}).get("redis_url") or ""
        return channel

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        socketio_webhook = super().blueprint(on_new_message)
        if self.redis_url:
            # Rasa builds the server itself; the manager is swapped before any client connects,
            # which is what passing ``client_manager`` to the constructor does.
            manager = AsyncRedisManager(self.redis_url, channel="effortless-socketio")
            self.sio.manager = manager
            manager.set_server(self.sio)
            self.sio.manager_initialized = False
        return socketio_webhook


class SlackInput(ApiUrlFromCredentials, slack.SlackInput):
    """Slack's connector (it answers bad signatures with 400), with the rejections logged.

    Credentials add ``api_url``, the Web API's base URL (ending in ``/api/``).
    """

    api_url = SLACK_API_URL

    def get_output_channel(self, channel: Optional[Text] = None, thread_id: Optional[Text] = None) -> OutputChannel:
        output = super().get_output_channel(channel, thread_id)
        output.client.base_url = self.api_url.rstrip("/") + "/"
        return output

    def is_request_from_slack_authentic(self, request: Request) -> bool:
        authentic = super().is_request_from_slack_authentic(request)
        if not authentic:
            logger.warning("Rejected slack webhook from %s with 400: missing or wrong X-Slack-Signature", request.ip)
        return authentic
