"""Request limits on the real helpdesk process (uvicorn, as `make run` starts it): body sizes and
login throttling.

A client streams a 500 MB chunked body (no Content-Length) from a generator; the server must
answer 413 and hang up after reading little more than the route's limit, and its resident memory
(``VmRSS`` of the uvicorn process) must stay flat. This is a correctness check, not a timing test.
"""
from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from bot.db import migrate
from bot.settings import load_settings
from bot.stack.assembly import run_helpdesk
from bot.stack.supervisor import Service, free_port
from tests.e2e.helpers import helpdesk_alone_env

pytestmark = pytest.mark.e2e

HUGE = 500 * 1024 * 1024
CHUNK = 64 * 1024
# What the kernel's socket buffers may hold between the two ends when the server hangs up.
IN_FLIGHT = 4 * 1024 * 1024
LIMITS = {"MAX_LOGIN_BODY_BYTES": 8192, "MAX_BODY_BYTES": 1_000_000, "MAX_INTERNAL_BODY_BYTES": 8_000_000}
MEMORY_GROWTH_ALLOWED_KB = 8 * 1024


@dataclass
class Upload:
    sent: int
    status: int | None
    body: bytes


@pytest.fixture(scope="module")
def helpdesk(tmp_path_factory) -> Iterator[Service]:
    directory = tmp_path_factory.mktemp("limits")
    port = free_port()
    env = helpdesk_alone_env(directory / "var", port, **{name: str(value) for name, value in LIMITS.items()})
    migrate(load_settings(env))
    with run_helpdesk(env, port, directory / "log", "--log-level", "warning") as service:
        yield service


def resident_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for process {pid}")


def chunks(total: int) -> Iterator[bytes]:
    """A JSON-looking body of ``total`` bytes, made as it is sent (nothing held in the client either)."""
    yield b'{"text": "'
    block = b"x" * CHUNK
    for _ in range(total // CHUNK):
        yield block


def stream(url: str, path: str, total: int, method: str = "POST") -> Upload:
    """Send ``total`` bytes chunked; stop as soon as the server answers or hangs up."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=20) as connection:
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, CHUNK)  # keep the client's own buffer small
        connection.sendall(f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                           "Transfer-Encoding: chunked\r\n\r\n".encode())
        sent = 0
        try:
            for chunk in chunks(total):
                connection.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
                connection.setblocking(False)
                try:
                    answered = connection.recv(1, socket.MSG_PEEK)
                except BlockingIOError:
                    answered = None
                finally:
                    connection.setblocking(True)
                if answered is not None:
                    break
            else:
                connection.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # hung up on us: what it answered before is still readable
        return Upload(sent, *read_response(connection))


def read_response(connection: socket.socket) -> tuple[int | None, bytes]:
    received = b""
    try:
        while part := connection.recv(65536):
            received += part
    except (ConnectionResetError, TimeoutError):
        pass
    if not received:
        return None, b""
    head, _, body = received.partition(b"\r\n\r\n")
    return int(head.split()[1]), body


@pytest.mark.parametrize(("path", "limit"), [
    ("/api/auth/login", LIMITS["MAX_LOGIN_BODY_BYTES"]),  # unauthenticated
    ("/api/tickets/1/messages", LIMITS["MAX_BODY_BYTES"]),
    ("/api/internal/tickets", LIMITS["MAX_INTERNAL_BODY_BYTES"]),
])
def test_a_500_mb_chunked_body_is_refused_early_and_memory_stays_flat(helpdesk, path, limit):
    pid = helpdesk.running.pid
    requests.get(f"{helpdesk.url}/health", timeout=10).raise_for_status()
    before = resident_kb(pid)

    upload = stream(helpdesk.url, path, HUGE)

    assert upload.status == 413, upload
    assert json.loads(upload.body) == {"detail": f"request body too large: this endpoint accepts at most {limit} bytes"}
    assert upload.sent <= limit + IN_FLIGHT, f"the server read {upload.sent} bytes before refusing"
    growth = resident_kb(pid) - before
    assert growth <= MEMORY_GROWTH_ALLOWED_KB, f"the helpdesk grew by {growth} kB"
    requests.get(f"{helpdesk.url}/health", timeout=10).raise_for_status()  # and still serves


def test_a_declared_length_over_the_limit_is_refused_before_the_body(helpdesk):
    host, port = helpdesk.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=20) as connection:
        connection.sendall(f"POST /api/auth/login HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
                           f"Content-Length: {HUGE}\r\nExpect: 100-continue\r\n\r\n".encode())
        status, body = read_response(connection)  # not one byte of the body was sent
    assert status == 413
    assert b"at most 8192 bytes" in body


def test_a_route_that_reads_no_body_hangs_up_instead_of_swallowing_it(helpdesk):
    upload = stream(helpdesk.url, "/api/queue", HUGE, method="GET")
    assert upload.status == 401  # answered, then the connection closed: the rest was never read
    assert upload.sent <= IN_FLIGHT * 2


def test_bodies_within_the_limit_still_work_when_chunked(helpdesk):
    body = json.dumps({"email": "nobody@example.com", "password": "x" * 1000}).encode()
    response = requests.post(f"{helpdesk.url}/api/auth/login", data=iter([body[:500], body[500:]]),
                             headers={"Content-Type": "application/json"}, timeout=10)
    assert response.status_code == 401
    assert response.json() == {"detail": "wrong e-mail or password"}


def test_login_throttling_counts_the_connecting_address_whatever_x_forwarded_for_says(helpdesk):
    """No TRUSTED_PROXIES: a client inventing a new X-Forwarded-For each time is still throttled."""
    statuses = [
        requests.post(f"{helpdesk.url}/api/auth/token", json={"email": "boss@example.com", "password": "guess"},
                      headers={"X-Forwarded-For": f"192.0.2.{n}"}, timeout=10).status_code
        for n in range(6)
    ]
    assert statuses == [401, 401, 401, 401, 429, 429]
