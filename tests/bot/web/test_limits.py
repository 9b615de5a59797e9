"""Body limits of the helpdesk app in process: per route, declared or chunked (the real-process
check with a 500 MB body and the server's memory is tests/e2e/test_request_limits.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.settings import load_settings
from bot.web.app import create_app
from bot.web.limits import BodyLimits


@pytest.fixture
def client(settings_env, sessions):
    limits = {"MAX_LOGIN_BODY_BYTES": "2048", "MAX_BODY_BYTES": "10000", "MAX_INTERNAL_BODY_BYTES": "50000"}
    with TestClient(create_app(load_settings({**settings_env, **limits}))) as test_client:
        yield test_client


def chunked(size: int) -> Iterator[bytes]:
    """A body without Content-Length (httpx sends an iterator chunked)."""
    yield b'{"email": "a@example.com", "password": "'
    for _ in range(size // 1000):
        yield b"x" * 1000
    yield b'"}'


@pytest.mark.parametrize(("path", "limit"), [
    ("/api/auth/login", 2048),
    ("/api/auth/token", 2048),
    ("/api/tickets/1/messages", 10000),
    ("/api/internal/tickets", 50000),
    ("/api/agents", 10000),
])
def test_each_route_refuses_bodies_over_its_limit_declared_or_chunked(client, path, limit):
    expected = {"detail": f"request body too large: this endpoint accepts at most {limit} bytes"}
    declared = client.post(path, content=b"x" * (limit + 1), headers={"Content-Type": "application/json"})
    streamed = client.post(path, content=chunked(limit + 1000), headers={"Content-Type": "application/json"})
    for response in (declared, streamed):
        assert response.status_code == 413
        assert response.json() == expected
        assert response.headers["connection"] == "close"
        assert response.headers["x-content-type-options"] == "nosniff"  # the security headers wrap the limit


def test_bodies_at_the_limit_pass(client):
    response = client.post("/api/auth/login", content=chunked(1500), headers={"Content-Type": "application/json"})
    assert response.status_code == 401  # read, parsed and checked: wrong credentials


def test_a_route_that_reads_no_body_closes_the_connection_when_one_was_sent(client):
    with_body = client.request("GET", "/health", content=chunked(5000))
    without = client.get("/health")
    assert with_body.status_code == without.status_code == 200
    assert with_body.headers["connection"] == "close"
    assert "connection" not in without.headers


def test_limits_by_path():
    limits = BodyLimits(login=1, api=2, internal=3)
    assert [limits.for_path(path) for path in ("/api/auth/login", "/api/queue", "/api/internal/tickets", "/demo")] \
        == [1, 2, 3, 2]
