"""The web chat's socket.io channel: sessions bound to server-signed tokens, emits shared through
Redis between Rasa replicas."""
from __future__ import annotations

import asyncio
import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from rasa.core.channels import socketio as rasa_socketio
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import Blueprint
from socketio import AsyncRedisManager

from bot.engine.channels.guard import GuardLimits, MessageGuard, OnNewMessage
from bot.engine.channels.identity import WEB, conversation_id, new_web_session, verified_web_session
from bot.engine.channels.trust import verified_identity

logger = logging.getLogger(__name__)

SESSION_REQUEST_EVENT = "session_request"
SESSION_CONFIRM_EVENT = "session_confirm"
PRESENCE_TIMEOUT_S = 3.0


def report_presence(helpdesk_url: str, service_token: str, path: str, body: dict[str, Any]) -> None:
    """Tell the helpdesk about web chats opened or closed (blocking: run it in a thread).

    A failure is logged, never raised: the chat works without it, the helpdesk then only
    believes the customer is away (or still there) until the next report.
    """
    request = urllib.request.Request(f"{helpdesk_url.rstrip('/')}/api/internal/{path}", method="PUT",
                                     data=json.dumps(body).encode("utf-8"), headers={
                                         "Authorization": f"Bearer {service_token}", "Content-Type": "application/json"})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=PRESENCE_TIMEOUT_S):
            return
    except (OSError, ValueError) as exc:  # refused, timed out, an HTTP error status, a bad URL
        logger.warning("Could not report web-chat presence (%s %s) to the helpdesk: %s", path, body, exc)


def conversation_presence(conversation: str) -> str:
    return f"conversations/{urllib.parse.quote(conversation, safe=':')}/presence"


# Sent when this engine starts: the sockets an engine held before are gone (a crash reports no
# close), and every chat still open reconnects and reports itself again.
ENGINE_STARTED = ("presence", {"open_sockets": 0})


class SocketIOInput(rasa_socketio.SocketIOInput):
    """Rasa's socket.io channel, with a conversation the client has to prove it owns.

    Rasa's channel lets a client join any session's room by naming its id, and send into any
    session by putting its id in a message. Here, on ``session_request`` the client presents the
    ``session_token`` the server gave it earlier (``identity.web_session_token``, signed with the
    credential ``session_secret``); the socket joins that session's room, and every message it
    sends goes to that session's conversation (``web:<session id>``), whatever the message says.
    Without a valid token the server starts a new session and sends its token in
    ``session_confirm``. Knowing a conversation id (agents see them) is therefore not enough to
    read or write in it. The room is named after the conversation id, which is the recipient Rasa
    emits to, so sessions always persist across reconnects.

    A host page may also present a signed ``identity`` (``user_id``, ``email``, ``user_hash``; see
    docs/customers.md): checked with the credential ``identity_secret``, what it proves rides on
    every message of the socket as the trusted metadata ``trust.VERIFIED_METADATA``. Each session
    opened and each socket closed is reported to the helpdesk (credentials ``helpdesk_url``,
    ``service_token``), which therefore knows whether the customer would see a reply in the chat.

    With the credential ``redis_url``, python-socketio's Redis manager shares emits between Rasa
    replicas: a socket lives in one replica, but the helpdesk's push (an agent reply) may reach
    any replica; every replica publishes its emits and each delivers those for the sockets it
    holds, so the reply reaches the customer's web chat.
    """

    redis_url = ""
    session_secret = ""
    identity_secret = ""
    helpdesk_url = ""
    service_token = ""
    guard: MessageGuard
    # One thread, so the helpdesk hears each chat's open and close in the order they happened.
    _presence_reports: ThreadPoolExecutor | None = None

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        channel = super().from_credentials(credentials)
        credentials = credentials or {}
        if not credentials.get("session_secret"):
            raise RasaException("The socket.io channel needs a session_secret in its credentials, to sign sessions.")
        channel.session_secret = credentials["session_secret"]
        channel.redis_url = credentials.get("redis_url") or ""
        channel.identity_secret = credentials.get("identity_secret") or ""
        channel.helpdesk_url = credentials.get("helpdesk_url") or ""
        channel.service_token = credentials.get("service_token") or ""
        # An anonymous browser: its metadata may carry hints (language), never who the customer is.
        channel.guard = MessageGuard(WEB, GuardLimits.from_credentials(credentials), proves_identity=False)
        return channel

    def blueprint(self, on_new_message: OnNewMessage) -> Blueprint:
        guarded = self.guard.wrap(on_new_message)
        socketio_webhook = self.guard.attach(super().blueprint(guarded))
        sio, namespace = self.sio, self.namespace
        if self.redis_url:
            # Rasa builds the server itself; the manager is swapped before any client connects,
            # which is what passing ``client_manager`` to the constructor does.
            manager = AsyncRedisManager(self.redis_url, channel="effortless-socketio")
            sio.manager = manager
            manager.set_server(sio)
            sio.manager_initialized = False

        # Registered after Rasa's handlers for the same events, so these replace them.
        @sio.on(SESSION_REQUEST_EVENT, namespace=namespace)
        async def session_request(sid: str, data: Any) -> None:
            token = data.get("session_token") if isinstance(data, dict) else None
            identity = data.get("identity") if isinstance(data, dict) else None
            verified = verified_identity(self.identity_secret, identity)
            if identity is not None and not verified:
                logger.warning("socket.io client %s presented an identity %s: ignored", sid,
                               "while identity verification is off" if not self.identity_secret
                               else "whose user_hash does not match")
            session_id = verified_web_session(self.session_secret, token)
            if session_id is None:
                if token is not None:
                    logger.warning("socket.io client %s presented a session token this server did not sign", sid)
                session_id, token = new_web_session(self.session_secret)
            room = conversation_id(WEB, session_id)
            async with sio.session(sid, namespace=namespace) as socket_session:
                previous = socket_session.get("session_id")
                if previous and previous != session_id:
                    sio.leave_room(sid, conversation_id(WEB, previous), namespace=namespace)
                socket_session["session_id"] = session_id
                socket_session["verified"] = verified
            if previous and previous != session_id:
                self._report_presence(conversation_presence(conversation_id(WEB, previous)), {"open": False})
            if previous != session_id:
                self._report_presence(conversation_presence(room), {"open": True, **verified})
            sio.enter_room(sid, room, namespace=namespace)
            await sio.emit(SESSION_CONFIRM_EVENT, {"session_id": session_id, "session_token": token},
                           room=sid, namespace=namespace)

        @sio.on("disconnect", namespace=namespace)
        async def disconnect(sid: str) -> None:
            session_id = (await sio.get_session(sid, namespace=namespace)).get("session_id")
            if session_id is not None:
                self._report_presence(conversation_presence(conversation_id(WEB, session_id)), {"open": False})

        @socketio_webhook.listener("after_server_start")
        async def forget_earlier_sockets(*_: Any) -> None:
            self._report_presence(*ENGINE_STARTED)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, data: Any) -> None:
            socket_session = await sio.get_session(sid, namespace=namespace)
            session_id, verified = socket_session.get("session_id"), socket_session.get("verified") or {}
            if session_id is None:
                logger.warning("socket.io client %s sent a message before session_request: ignored", sid)
                return
            text = data.get("message") if isinstance(data, dict) else None
            if not isinstance(text, str):
                logger.warning("socket.io client %s sent a message without text: ignored", sid)
                return
            message = UserMessage(
                text,
                rasa_socketio.SocketIOOutput(sio, self.bot_message_evt),
                session_id,
                input_channel=self.name(),
                metadata=self._metadata(data.get(self.metadata_key)),
            )

            async def with_verified_identity(accepted: UserMessage) -> None:
                # After the guard, which drops whatever a client sends under these keys.
                accepted.metadata = {**(accepted.metadata or {}), **verified}
                await on_new_message(accepted)

            await self.guard.handle(message, with_verified_identity)

        return socketio_webhook

    def _report_presence(self, path: str, body: dict[str, Any]) -> None:
        """Report in the background (the socket never waits for the helpdesk); off without a helpdesk."""
        if not (self.helpdesk_url and self.service_token):
            return
        if self._presence_reports is None:
            self._presence_reports = ThreadPoolExecutor(max_workers=1, thread_name_prefix="presence")
        asyncio.get_running_loop().run_in_executor(
            self._presence_reports, report_presence, self.helpdesk_url, self.service_token, path, body)

    @staticmethod
    def _metadata(metadata: Any) -> dict[str, Any]:
        """The message's metadata object; Rasa's channel also takes it as a JSON string."""
        if isinstance(metadata, str):
            try:
                metadata = json.loads(metadata)
            except ValueError:
                return {}
        return metadata if isinstance(metadata, dict) else {}
