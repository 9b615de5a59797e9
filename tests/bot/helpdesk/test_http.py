"""Outbound HTTP: retries and timeouts through either transport, and the kept-alive ``http.client``
connections the deliveries to Rasa use."""

from __future__ import annotations

import asyncio
import base64
import threading
import time
from collections.abc import Iterator

import pytest

from bot.benchmarks.helpdesk import AcceptingRasa
from bot.helpdesk.http import (
    HttpClientKeepAlive,
    KeepAlive,
    OutboundThreads,
    ServiceUnavailable,
    request_with_retries,
)
from tests.bot.helpdesk.standins import RasaStandIn, StandIn

TRANSPORTS = [pytest.param(KeepAlive, id="requests"), pytest.param(HttpClientKeepAlive, id="http.client")]


class Flaky(StandIn):
    """Fails the first ``failures`` requests (503), optionally answers slowly."""

    def __init__(self, failures: int, delay_s: float = 0.0):
        super().__init__()
        self.failures, self.delay_s, self.seen = failures, delay_s, 0

    def handle(self, method, path, query, headers, body):
        self.seen += 1
        time.sleep(self.delay_s)
        return (503, {"detail": "busy"}) if self.seen <= self.failures else (200, {"ok": True})


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_retries_recover_from_a_brief_outage(transport):
    server = Flaky(failures=2).start()
    try:
        response = request_with_retries("GET", server.base_url + "/x", timeout_s=2, retries=2, keep_alive=transport())
        assert (response.status_code, response.json(), server.seen) == (200, {"ok": True}, 3)
    finally:
        server.stop()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_slow_service_times_out_within_bounds(transport):
    server = Flaky(failures=0, delay_s=1.5).start()
    try:
        started = time.monotonic()
        with pytest.raises(ServiceUnavailable, match=r"no answer within 0.3 s \(tried 2 times\)"):
            request_with_retries("GET", server.base_url + "/x?token=secret", timeout_s=0.3, retries=1,
                                 keep_alive=transport())
        assert time.monotonic() - started < 2
    finally:
        server.stop()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_service_that_is_down_is_reported_as_unavailable(transport):
    with pytest.raises(ServiceUnavailable, match=r"POST http://127.0.0.1:9/x: cannot connect \(\w+\) \(tried 1 times\)"):
        request_with_retries("POST", "http://127.0.0.1:9/x", timeout_s=1, retries=0, keep_alive=transport(), json={})


RASA_TOKEN = "rasa-token"


@pytest.fixture
def rasa() -> Iterator[AcceptingRasa]:
    stand_in = AcceptingRasa()
    yield stand_in
    stand_in.stop()


@pytest.fixture
def hasty_rasa() -> Iterator[AcceptingRasa]:
    """Closes a connection idle for 0.3 s, as a restarted server would have closed it."""
    stand_in = AcceptingRasa(idle_close_s=0.3)
    yield stand_in
    stand_in.stop()


def test_a_line_reaches_rasa_as_sent():
    rasa = RasaStandIn(RASA_TOKEN).start()
    try:
        answer = HttpClientKeepAlive().request(
            "POST", f"{rasa.base_url}/conversations/telegram:42/trigger_intent", timeout=2,
            params={"output_channel": "latest", "token": RASA_TOKEN},
            json={"name": "EXTERNAL_agent_message", "entities": {"agent_message": "שלום & <b>hi</b>"}})
    finally:
        rasa.stop()

    assert answer.status_code == 200 and answer.json()["tracker"]["events"][-1]["event"] == "bot"
    assert rasa.calls == [{"conversation_id": "telegram:42", "intent": "EXTERNAL_agent_message",
                           "entities": {"agent_message": "שלום & <b>hi</b>"}, "output_channel": "latest"}]


def test_requests_to_one_server_share_one_connection(rasa):
    connections = HttpClientKeepAlive()
    for _ in range(4):
        assert connections.request("POST", f"{rasa.url}/conversations/c1/trigger_intent", timeout=2, json={}).status_code == 200

    assert (rasa.count, rasa.connections) == (4, 1)


def test_a_connection_the_server_closed_while_idle_is_opened_again(hasty_rasa):
    connections = HttpClientKeepAlive()
    url = f"{hasty_rasa.url}/conversations/c1/trigger_intent"
    assert connections.request("POST", url, timeout=2, json={}).status_code == 200
    time.sleep(0.8)  # the stand-in closes a connection idle for 0.3 s

    assert connections.request("POST", url, timeout=2, json={}).status_code == 200
    assert (hasty_rasa.count, hasty_rasa.connections) == (2, 2)


def test_a_connection_idle_for_long_is_closed_before_the_server_would(rasa, monkeypatch):
    monkeypatch.setattr("bot.helpdesk.http.IDLE_S", 0.2)
    connections = HttpClientKeepAlive()
    url = f"{rasa.url}/conversations/c1/trigger_intent"
    connections.request("POST", url, timeout=2, json={})
    time.sleep(0.4)

    assert connections.request("POST", url, timeout=2, json={}).status_code == 200
    assert (rasa.count, rasa.connections) == (2, 2)


class Recorder(StandIn):
    """Answers 200 and keeps each request's headers."""

    def __init__(self):
        super().__init__()
        self.headers: list[dict[str, str]] = []

    def handle(self, method, path, query, headers, body):
        self.headers.append(headers)
        return 200, {"ok": True}


def test_a_user_and_password_in_the_url_go_as_basic_auth():
    server = Recorder().start()
    try:
        HttpClientKeepAlive().request("GET", server.base_url.replace("//", "//rasa:s%40cret@") + "/x", timeout=2)
    finally:
        server.stop()

    assert server.headers[0]["Authorization"] == "Basic " + base64.b64encode(b"rasa:s@cret").decode()


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_url_with_an_impossible_port_is_reported_as_unavailable(transport):
    with pytest.raises(ServiceUnavailable, match=r"cannot connect \(InvalidURL\)"):
        request_with_retries("POST", "http://127.0.0.1:99999/x", timeout_s=1, retries=0, keep_alive=transport(), json={})


def test_each_thread_has_its_own_connection(rasa):
    connections = HttpClientKeepAlive()
    url = f"{rasa.url}/conversations/c1/trigger_intent"
    threads = [threading.Thread(target=lambda: [connections.request("POST", url, timeout=2, json={}) for _ in range(3)])
               for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert (rasa.count, rasa.connections) == (9, 3)


def test_outbound_threads_give_back_results_and_errors_from_any_event_loop_and_start_again_after_a_stop():
    threads = OutboundThreads(2, "outbound-test")

    assert asyncio.run(threads.run(lambda: threading.current_thread().name)).startswith("outbound-test")
    assert asyncio.run(threads.run(divmod, 7, 2)) == (3, 1)  # another event loop, the same threads
    with pytest.raises(ValueError, match="invalid literal"):
        asyncio.run(threads.run(int, "seven"))
    threads.stop()
    assert asyncio.run(threads.run(divmod, 9, 4)) == (2, 1)
    threads.stop()
