"""The web chat's socket.io channel: sessions bound to server-signed tokens, emits shared through
Redis between Rasa replicas."""
from __future__ import annotations

import json
import logging
from typing import Any

from rasa.core.channels import socketio as rasa_socketio
from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.shared.exceptions import RasaException
from sanic import Blueprint
from socketio import AsyncRedisManager

from bot.engine.channels.guard import GuardLimits, MessageGuard, OnNewMessage
from bot.engine.channels.identity import WEB, conversation_id, new_web_session, verified_web_session

logger = logging.getLogger(__name__)

SESSION_REQUEST_EVENT = "session_request"
SESSION_CONFIRM_EVENT = "session_confirm"


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

    With the credential ``redis_url``, python-socketio's Redis manager shares emits between Rasa
    replicas: a socket lives in one replica, but the helpdesk's push (an agent reply) may reach
    any replica; every replica publishes its emits and each delivers those for the sockets it
    holds, so the reply reaches the customer's web chat.
    """

    redis_url = ""
    session_secret = ""
    guard: MessageGuard

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        channel = super().from_credentials(credentials)
        credentials = credentials or {}
        if not credentials.get("session_secret"):
            raise RasaException("The socket.io channel needs a session_secret in its credentials, to sign sessions.")
        channel.session_secret = credentials["session_secret"]
        channel.redis_url = credentials.get("redis_url") or ""
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
            sio.enter_room(sid, room, namespace=namespace)
            await sio.emit(SESSION_CONFIRM_EVENT, {"session_id": session_id, "session_token": token},
                           room=sid, namespace=namespace)

        @sio.on(self.user_message_evt, namespace=namespace)
        async def handle_message(sid: str, data: Any) -> None:
            session_id = (await sio.get_session(sid, namespace=namespace)).get("session_id")
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
            await guarded(message)

        return socketio_webhook

    @staticmethod
    def _metadata(metadata: Any) -> dict[str, Any]:
        """The message's metadata object; Rasa's channel also takes it as a JSON string."""
        if isinstance(metadata, str):
            try:
                metadata = json.loads(metadata)
            except ValueError:
                return {}
        return metadata if isinstance(metadata, dict) else {}
