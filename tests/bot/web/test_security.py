"""Security headers on every page and response of the helpdesk app (real app, real SQLite database)."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from fastapi.testclient import TestClient

from bot.settings import load_settings
from bot.web.app import create_app
from bot.web.security import socket_origins

OWN_FILES_ONLY = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                  "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'")


@pytest.fixture
def client(settings_env, sessions):
    settings = load_settings({**settings_env, "PUBLIC_RASA_URL": "https://chat.example.com:5005"})
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/agent/", 200),
    ("GET", "/agent/reports", 200),
    ("GET", "/agent/reports/static/reports.js", 200),
    ("GET", "/shared/dom.js", 200),
    ("GET", "/health", 200),
    ("GET", "/openapi.json", 200),
    ("GET", "/api/queue", 401),
    ("POST", "/api/auth/login", 422),
    ("GET", "/no/such/page", 404),
])
def test_every_response_carries_the_security_headers(client, method, path, status):
    response = client.request(method, path)
    assert response.status_code == status
    assert response.headers["content-security-policy"] == OWN_FILES_ONLY
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "same-origin"
    assert "camera=()" in response.headers["permissions-policy"]
    assert response.headers["cross-origin-resource-policy"] == "same-origin"
    assert "strict-transport-security" not in response.headers  # not configured for HTTPS


def test_the_console_page_has_no_inline_script_or_style(client):
    page = client.get("/agent/").text
    assert not re.search(r"<script(?![^>]*\bsrc=)", page)
    assert "<style" not in page and " style=" not in page and re.search(r"\son\w+=", page) is None


def test_the_widget_may_be_loaded_by_other_sites(client):
    for path in ("/widget/effortless-chat.js", "/widget/effortless-chat.css"):
        response = client.get(path)
        assert response.status_code == 200
        assert response.headers["cross-origin-resource-policy"] == "cross-origin"
        assert response.headers["x-content-type-options"] == "nosniff"


def test_the_demo_page_may_talk_to_rasa_and_runs_no_inline_code(client):
    response = client.get("/demo")
    policy = response.headers["content-security-policy"]
    assert "connect-src 'self' https://chat.example.com:5005 wss://chat.example.com:5005;" in policy
    assert "script-src 'self';" in policy and "frame-ancestors 'none'" in policy
    page = response.text
    assert not re.search(r"<script(?![^>]*\bsrc=)", page) and "<style" not in page
    assert re.search(r"\son\w+=", page) is None
    assert client.get("/demo/static/demo.js").status_code == 200


def test_the_api_docs_allow_swagger_ui_and_exactly_its_inline_script(client):
    response = client.get("/docs")
    policy = response.headers["content-security-policy"]
    (inline,) = re.findall(r"<script>(.*?)</script>", response.text, flags=re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    assert f"script-src 'self' https://cdn.jsdelivr.net 'sha256-{digest}';" in policy
    assert "frame-ancestors 'none'" in policy
    assert client.get("/redoc").status_code == 404  # one docs page, one policy


def test_hsts_only_when_configured(settings_env, sessions):
    settings = load_settings({**settings_env, "HSTS_MAX_AGE_S": "31536000"})
    with TestClient(create_app(settings), base_url="https://testserver") as client:
        assert client.get("/health").headers["strict-transport-security"] == "max-age=31536000"


@pytest.mark.parametrize(("url", "origins"), [
    ("http://127.0.0.1:5005", ["http://127.0.0.1:5005", "ws://127.0.0.1:5005"]),
    ("https://chat.example.com", ["https://chat.example.com", "wss://chat.example.com"]),
    ("", []),
    ("javascript:alert(1)", []),
])
def test_socket_origins(url, origins):
    assert socket_origins(url) == origins
