"""What the engine-env scenario scripts of tests/bot/engine share (they import it with the engine's
Python): a free port, an aiohttp server playing the action server, the wait a customer's turn gets
from the channel guard, and Rasa's own ``RemoteAction`` calling that server."""
from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any

from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.engine import action_calls
from bot.engine.channels.guard import ActionServerHealth

RESULT = {"events": [{"event": "slot", "name": "relayed", "value": True}], "responses": []}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class CustomerTurn:
    """What the channel guard gives a customer's turn: its texts recorded, the guard's real health poll."""

    def __init__(self, url: str, limit_s: float):
        self.url, self.limit_s, self.told = url, limit_s, []

    async def started(self) -> None:
        self.told.append("one moment")

    async def until_up(self, seconds: float) -> bool:
        return await ActionServerHealth().wait_until_up(self.url, seconds)

    async def gave_up(self) -> None:
        self.told.append("try again later")


def next_action(body: dict, _request: web.Request) -> Any:
    return body["next_action"]


async def action_server(
    port: int,
    calls: list,
    start_after_s: float = 0.0,
    record: Callable[[dict, web.Request], Any] = next_action,
    answer_after_s: float = 0.0,
) -> web.AppRunner:
    """Serves ``/webhook`` (answers :data:`RESULT`, after appending ``record(body, request)`` to ``calls``)
    and ``/health`` on ``port``, from ``start_after_s`` seconds on."""
    await asyncio.sleep(start_after_s)

    async def webhook(request: web.Request) -> web.Response:
        calls.append(record(await request.json(), request))
        await asyncio.sleep(answer_after_s)
        return web.json_response(RESULT)

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.add_routes([web.post("/webhook", webhook), web.get("/health", health)])
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def relay_action_run(url: str, turn: CustomerTurn | None = None, headers: dict | None = None) -> list[str]:
    """Rasa's own ``RemoteAction`` calls the action server at ``url``, inside a customer's turn when one is
    given; the names of the slots its events set."""
    action = RemoteAction("action_relay_to_agent", EndpointConfig(url, headers=headers))
    args = (CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}),
            DialogueStateTracker("callback:t-1", []), Domain.empty())
    if turn is None:
        events = await action.run(*args)
    else:
        with action_calls.waiting_for_action_server(turn):
            events = await action.run(*args)
    return [event.as_dict()["name"] for event in events]
