"""The web chat's socket.io channel, with its emits shared through Redis between Rasa replicas."""
from __future__ import annotations

from typing import Any

from rasa.core.channels import socketio as rasa_socketio
from rasa.core.channels.channel import InputChannel
from sanic import Blueprint
from socketio import AsyncRedisManager

from bot.engine.channels.common import OnNewMessage


class SocketIOInput(rasa_socketio.SocketIOInput):
    """Rasa's socket.io channel with its emits shared through Redis (credential ``redis_url``).

    A socket lives in one Rasa replica, but the helpdesk's push (an agent reply) may reach any
    replica. With python-socketio's Redis manager every replica publishes its emits and each
    delivers those for the sockets it holds, so the reply reaches the customer's web chat.
    """

    redis_url = ""

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
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
