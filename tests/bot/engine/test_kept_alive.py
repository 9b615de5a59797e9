"""bot/engine/kept_alive.py in the engine env, with Rasa's own RemoteAction and a real HTTP server playing
the action server, which records the client port of every call: Rasa alone opens a connection per
action call; installed, calls reuse one, side-by-side calls share a pool, an idle connection is
dropped after IDLE_S, and a restarted action server is reconnected to (a customer's turn still waits
for it through bot/engine/action_calls)."""
from __future__ import annotations

import pytest

from tests.helpers.engine_scripts import engine_script_result

SCENARIOS = r"""
import asyncio, json

from bot.engine import action_calls, kept_alive
from tests.helpers.engine_action_server import CustomerTurn, action_server, free_port, relay_action_run


def client_port(_body, request):
    return request.transport.get_extra_info("peername")[1]


async def port_recording_server(port, client_ports, start_after_s=0.0):
    return await action_server(port, client_ports, start_after_s, record=client_port, answer_after_s=0.05)


async def call(url, turn=None):
    return await relay_action_run(url, turn, headers={"Authorization": "Bearer t"})


async def main():
    results = {}
    port, client_ports = free_port(), []
    url = f"http://127.0.0.1:{port}/webhook"
    runner = await port_recording_server(port, client_ports)

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
    starting = asyncio.ensure_future(port_recording_server(port, client_ports, start_after_s=1.0))
    turn = CustomerTurn(url, limit_s=30)
    outcome = await call(url, turn)
    runner = await starting
    results["restarted"] = {"outcome": outcome, "told": turn.told, "calls": len(client_ports)}
    await runner.cleanup()
    print(json.dumps(results))


asyncio.run(main())
"""


@pytest.fixture(scope="module")
def outcomes() -> dict:
    return engine_script_result(SCENARIOS)


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
