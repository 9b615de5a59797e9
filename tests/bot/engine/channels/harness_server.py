"""Serve the engine-side connectors without a model (run in the engine env by ``harness.py``).

usage: python tests/bot/engine/channels/harness_server.py CREDENTIALS_YML PORT [ACTION_SERVER_URL]

The channels in the credentials file are created and mounted under ``/webhooks/`` by Rasa's
own code (``create_http_input_channels`` and ``register``); only the agent is replaced: it
records every user message and answers ``echo: <text>`` on the message's output channel, which
the tests point at stand-ins of each platform's API. It keeps real trackers (in memory) and the
real domain's responses, which the connectors' guard reads: ``echo.OFFER_TEXT`` is answered
with a button whose payload carries an entity (``echo.OFFERED_PAYLOAD``). With
``ACTION_SERVER_URL``, the agent's action endpoint is that URL, whose ``/health`` the guard checks.

- ``GET /harness/messages``: the messages that reached the "bot".
- ``POST /harness/push?output_channel=<name>`` with ``{"recipient": ..., "text": ...}``: send a
  message the way Rasa's HTTP API pushes agent replies during a handoff
  (``rasa.server._get_output_channel``, from inside the running server); a failure is answered
  500 with its text, as Rasa's ``trigger_intent`` does.
"""
import logging
import sys
from pathlib import Path
from typing import Any

from rasa.core.channels.channel import UserMessage, register
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.core.run import create_http_input_channels
from rasa.core.tracker_store import InMemoryTrackerStore
from rasa.server import _get_output_channel
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered, UserUttered
from rasa.utils.endpoints import EndpointConfig
from sanic import Sanic, response
from sanic.request import Request
from sanic.response import HTTPResponse

from tests.bot.engine.channels.echo import OFFER_TEXT, OFFERED_PAYLOAD

DOMAIN = Path(__file__).resolve().parents[4] / "domain.yml"


class EchoAgent:
    """Stands in for ``rasa.core.agent.Agent``: records messages and echoes them back."""

    def __init__(self, action_server_url: str | None) -> None:
        self.received: list[dict[str, Any]] = []
        self.domain = Domain.load(str(DOMAIN))
        self.tracker_store = InMemoryTrackerStore(self.domain)
        self.nlg = TemplatedNaturalLanguageGenerator(self.domain.responses)
        self.action_endpoint = EndpointConfig(action_server_url) if action_server_url else None

    async def handle_message(self, message: UserMessage) -> None:
        self.received.append({
            "text": message.text,
            "sender_id": message.sender_id,
            "input_channel": message.input_channel,
            "metadata": message.metadata,
        })
        reply: dict[str, Any] = {"text": f"echo: {message.text}"}
        if message.text == OFFER_TEXT:
            reply["buttons"] = [{"title": "Rate 6", "payload": OFFERED_PAYLOAD}]
        tracker = await self.tracker_store.get_or_create_tracker(message.sender_id)
        tracker.update(UserUttered(message.text, input_channel=message.input_channel, metadata=message.metadata))
        tracker.update(BotUttered(reply["text"], data={"buttons": reply.get("buttons")}))
        await self.tracker_store.save(tracker)
        await message.output_channel.send_response(message.sender_id, reply)


def main(credentials_file: str, port: int, action_server_url: str | None) -> None:
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    app = Sanic("channel_harness", configure_logging=False)
    app.ctx.agent = EchoAgent(action_server_url)
    register(create_http_input_channels(None, credentials_file), app, route="/webhooks/")

    @app.get("/harness/messages")
    async def messages(_: Request) -> HTTPResponse:
        return response.json(app.ctx.agent.received)

    @app.post("/harness/push")
    async def push(request: Request) -> HTTPResponse:
        output_channel = _get_output_channel(request, None)
        try:
            await output_channel.send_response(request.json["recipient"], {"text": request.json["text"]})
        except Exception as error:  # what rasa.server's trigger_intent answers
            return response.json({"message": f"An unexpected error occurred. Error: {error}"}, status=500)
        return response.json({"output_channel": output_channel.name()})

    app.run(host="127.0.0.1", port=port, access_log=False, motd=False)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else None)
