"""bot/engine/action_calls.py in the engine env, with Rasa's own RemoteAction and a real HTTP server
playing the action server: in a customer's turn a refused call waits for the server and is sent again,
once; a call the server took before dying is not sent again; a turn without a customer (the helpdesk's
triggered intents) fails at once as it did; and a server that never comes back ends the wait, at the
latest shortly before the conversation's lock would expire."""
from __future__ import annotations

import pytest

from tests.helpers.engine_scripts import engine_script_result

SCENARIOS = r"""
import asyncio, json, time

from bot.engine import action_calls
from tests.helpers.engine_action_server import CustomerTurn, action_server, free_port, relay_action_run

action_calls.install()


async def dying_server(port, calls):
    async def take_and_die(reader, writer):
        calls.append((await reader.read(65536))[:4].decode())
        writer.transport.abort()

    return await asyncio.start_server(take_and_die, "127.0.0.1", port)


async def call(url, turn):
    started = time.monotonic()
    try:
        outcome = await relay_action_run(url, turn)
    except Exception as error:
        outcome = type(error).__name__
    return {"outcome": outcome, "seconds": round(time.monotonic() - started, 1),
            "told": turn.told if turn else None}


async def main():
    results = {}
    # The server restarts 1.5 s after the turn's call was refused.
    port, calls = free_port(), []
    url = f"http://127.0.0.1:{port}/webhook"
    starting = asyncio.ensure_future(action_server(port, calls, start_after_s=1.5))
    results["restarted"] = await call(url, CustomerTurn(url, limit_s=30))
    await (await starting).cleanup()
    results["restarted"]["calls"] = calls

    # A turn the helpdesk triggered: no customer turn around it.
    port = free_port()
    results["triggered"] = await call(f"http://127.0.0.1:{port}/webhook", None)

    # The server never comes back.
    port = free_port()
    url = f"http://127.0.0.1:{port}/webhook"
    results["never_back"] = await call(url, CustomerTurn(url, limit_s=2))

    # The server never comes back, and the turn's lock would expire first (TICKET_LOCK_LIFETIME is 13 s here).
    port = free_port()
    url = f"http://127.0.0.1:{port}/webhook"
    results["lock_bound"] = await call(url, CustomerTurn(url, limit_s=60))

    # The server took the request and died.
    port, calls = free_port(), []
    url = f"http://127.0.0.1:{port}/webhook"
    server = await dying_server(port, calls)
    results["died_in_call"] = await call(url, CustomerTurn(url, limit_s=30))
    results["died_in_call"]["calls"] = calls
    server.close()
    print(json.dumps(results))


asyncio.run(main())
"""


@pytest.fixture(scope="module")
def outcomes() -> dict:
    return engine_script_result(SCENARIOS, {"TICKET_LOCK_LIFETIME": "13"})


def test_a_customer_turn_waits_for_a_restarting_action_server_and_the_action_runs_once(outcomes):
    restarted = outcomes["restarted"]
    assert restarted["outcome"] == ["relayed"]
    assert restarted["calls"] == ["action_relay_to_agent"]
    assert restarted["told"] == ["one moment"]
    assert restarted["seconds"] >= 1.5


def test_a_turn_the_helpdesk_triggered_fails_at_once_for_the_helpdesk_to_redeliver(outcomes):
    assert outcomes["triggered"]["outcome"] == "RasaException"
    assert outcomes["triggered"]["seconds"] < 1.5


def test_a_server_that_never_comes_back_ends_the_wait_and_the_customer_is_asked_to_try_later(outcomes):
    never_back = outcomes["never_back"]
    assert never_back["outcome"] == "RasaException"
    assert never_back["told"] == ["one moment", "try again later"]
    assert 2 <= never_back["seconds"] < 10


def test_a_turn_waits_no_longer_than_its_conversation_lock_lasts(outcomes):
    lock_bound = outcomes["lock_bound"]
    assert lock_bound["outcome"] == "RasaException"
    assert lock_bound["told"] == ["one moment", "try again later"]
    assert 3 <= lock_bound["seconds"] < 10  # 13 s of lock lifetime, 10 s kept for the call itself


def test_a_call_the_server_took_before_dying_is_not_sent_again(outcomes):
    died = outcomes["died_in_call"]
    assert died["outcome"] == "RasaException"
    assert died["calls"] == ["POST"]
    assert died["told"] == []
