"""bot/engine/kept_alive.py in the engine env, with Rasa's own RemoteAction and a real HTTP server playing
the action server, which records the client port of every call: Rasa alone opens a connection per
action call; installed, calls reuse one, side-by-side calls share a pool, an idle connection is
dropped after IDLE_S, and a restarted action server is reconnected to (a customer's turn still waits
for it through bot/engine/action_calls)."""
from __future__ import annotations

import json
import subprocess

import pytest

from bot.settings import PROJECT_ROOT

ENGINE_PYTHON = PROJECT_ROOT / ".venv-engine" / "bin" / "python"

SCENARIOS = r"""
import asyncio, json, socket
from aiohttp import web
from rasa.core.actions.action import RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot.engine import action_calls, kept_alive
from bot.engine.channels.guard import ActionServerHealth

RESULT = {"events": [{"event": "slot", "name": "relayed", "value": True}], "responses": []}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class CustomerTurn:
    def __init__(self, url):
        self.url, self.limit_s, self.told = url, 30, []

    async def started(self):
        self.told.append("one moment")

    async def until_up(self, seconds):
        return await ActionServerHealth().wait_until_up(self.url, seconds)

    async def gave_up(self):
        self.told.append("try again later")


async def action_server(port, client_ports, start_after_s=0.0):
    await asyncio.sleep(start_after_s)

    async def webhook(request):
        await request.json()
        client_ports.append(request.transport.get_extra_info("peername")[1])
        await asyncio.sleep(0.05)
        return web.json_response(RESULT)

    async def health(request):
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.add_routes([web.post("/webhook", webhook), web.get("/health", health)])
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


async def call(url, turn=None):
    action = RemoteAction("action_relay_to_agent", EndpointConfig(url, headers={"Authorization": "Bearer t"}))
    args = (CollectingOutputChannel(), TemplatedNaturalLanguageGenerator({}),
            DialogueStateTracker("callback:t-1", []), Domain.empty())
    if turn is None:
        events = await action.run(*args)
    else:
        with action_calls.waiting_for_action_server(turn):
            events = await action.run(*args)
    return [event.as_dict()["name"] for event in events]


async def main():
    results = {}
    port, client_ports = free_port(), []
    url = f"http://127.0.0.1:{port}/webhook"
    runner = await action_server(port, client_ports)

    outcomes = [await call(url) for _ in range(4)]
    results["rasa_alone"] = {"outcomes": outcomes, "connections": len(set(client_ports))}

    action_calls.install()
    kept_alive.install()
    kept_alive.IDLE_S = 0.5
    client_ports.clear()
    outcomes = [await call(url) for _ in range(4)]
    results["in_turn"] = {"outcomes": outcomes, "connections": len(set(client_ports))}

    client_ports.clear()
    outcomes = await asyncio.gather(*(call(url) for _ in range(6)))
    concurrent_ports = set(client_ports)
    client_ports.clear()
    outcomes += [await call(url) for _ in range(6)]
    results["side_by_side"] = {"outcomes": outcomes, "connections": len(concurrent_ports),
                               "then_reused": set(client_ports) <= concurrent_ports}

    client_ports.clear()
    await call(url)
    await asyncio.sleep(1.0)
    await call(url)
    results["after_idle"] = {"connections": len(set(client_ports))}

    await runner.cleanup()
    client_ports.clear()
    starting = asyncio.ensure_future(action_server(port, client_ports, start_after_s=1.0))
    turn = CustomerTurn(url)
    outcome = await call(url, turn)
    runner = await starting
    results["restarted"] = {"outcome": outcome, "told": turn.told, "calls": len(client_ports)}
    await runner.cleanup()
    print(json.dumps(results))


asyncio.run(main())
"""


@pytest.fixture(scope="module")
def outcomes() -> dict:
    if not ENGINE_PYTHON.exists():
        pytest.skip("needs the engine env (.venv-engine)")
    run = subprocess.run([str(ENGINE_PYTHON), "-c", SCENARIOS], capture_output=True, text=True, cwd=PROJECT_ROOT,
                         env={"PYTHONPATH": str(PROJECT_ROOT)}, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_rasa_alone_opens_a_connection_for_every_action_call(outcomes):
    assert outcomes["rasa_alone"] == {"outcomes": [["relayed"]] * 4, "connections": 4}


def test_installed_action_calls_one_after_another_reuse_one_connection(outcomes):
    assert outcomes["in_turn"] == {"outcomes": [["relayed"]] * 4, "connections": 1}


def test_side_by_side_calls_each_get_a_connection_and_later_calls_reuse_them(outcomes):
    side_by_side = outcomes["side_by_side"]
    assert side_by_side["outcomes"] == [["relayed"]] * 12
    assert 1 < side_by_side["connections"] <= 6
    assert side_by_side["then_reused"] is True


def test_a_connection_idle_longer_than_the_limit_is_not_reused(outcomes):
    assert outcomes["after_idle"] == {"connections": 2}


def test_a_restarted_action_server_is_reconnected_to_and_the_customer_turn_waits_for_it(outcomes):
    assert outcomes["restarted"] == {"outcome": ["relayed"], "told": ["one moment"], "calls": 1}
