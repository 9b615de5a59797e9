"""Serve the engine-side connectors without a model (run in the engine env by ``harness.py``).

usage: python tests/bot/engine/channels/harness_server.py CREDENTIALS_YML PORT

The channels in the credentials file are created and mounted under ``/webhooks/`` by Rasa's
own code (``create_http_input_channels`` and ``register``); only the agent is replaced: it
records every user message and answers ``echo: <text>`` on the message's output channel, which
the tests point at stand-ins of each platform's API.

- ``GET /harness/messages``: the messages that reached the "bot".
- ``POST /harness/push?output_channel=<name>`` with ``{"recipient": ..., "text": ...}``: send a
  message the way Rasa's HTTP API pushes agent replies during a handoff
  (``rasa.server._get_output_channel``, from inside the running server).
"""
import logging
import sys
from typing import Any

from rasa.core.channels.channel import UserMessage, register
from rasa.core.run import create_http_input_channels
from rasa.server import _get_output_channel
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse


class EchoAgent:
    """Stands in for ``rasa.core.agent.Agent``: records messages and echoes them back."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append({
            "text": message.text,
            "sender_id": message.sender_id,
            "input_channel": message.input_channel,
            "metadata": message.metadata,
        })
        await message.output_channel.send_response(message.sender_id, {"text": f"echo: {message.text}"})


def main(credentials_file: str, port: int) -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    app = Sanic("channel_harness", configure_logging=False)
    app.ctx.agent = EchoAgent()
    register(create_http_input_channels(None, credentials_file), app, route="/webhooks/")

    @app.get("/harness/messages")
    async def messages(_: Request) -> HTTPResponse:
        return response.json(app.ctx.agent.received)

    @app.post("/harness/push")
    async def push(request: Request) -> HTTPResponse:
        output_channel = _get_output_channel(request, None)
        await output_channel.send_response(request.json["recipient"], {"text": request.json["text"]})
        return response.json({"output_channel": output_channel.name()})

    app.run(host="127.0.0.1", port=port, access_log=False, motd=False)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
