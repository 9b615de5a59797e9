"""The report endpoints inside the real helpdesk app: admins only, JSON and CSV, the page itself."""
from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from bot.db import session_scope
from bot.helpdesk import accounts
from bot.web.app import create_app
from tests.bot.ces.seed import ADMIN_EMAIL, ADMIN_PASSWORD, SINCE, UNTIL, seed_report_data

RANGE = {"since": SINCE, "until": UNTIL}
AGENT_EMAIL = "sam@example.com"


@pytest.fixture
def client(settings, sessions) -> Iterator[TestClient]:
    seed_report_data(sessions)
    with session_scope(sessions) as session:
        accounts.create_agent(session, email=ADMIN_EMAIL, name="Lead", role="admin", password=ADMIN_PASSWORD)
        accounts.create_agent(session, email=AGENT_EMAIL, name="Sam", role="agent", password=ADMIN_PASSWORD)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def log_in(client: TestClient, email: str) -> None:
    """Browser-style login: the session cookie stays in the client."""
    response = client.post("/api/auth/login", json={"email": email, "password": ADMIN_PASSWORD})
    assert response.status_code == 200, response.text


def bearer(client: TestClient, email: str) -> dict:
    response = client.post("/api/auth/token", json={"email": email, "password": ADMIN_PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


def test_an_admin_gets_the_report_as_json(client):
    log_in(client, ADMIN_EMAIL)

    response = client.get("/api/reports", params=RANGE)

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    report = response.json()
    assert report["range"] == RANGE
    assert (report["ces"]["summary"]["mean"], report["ces"]["summary"]["responses"]) == (4.43, 7)
    assert [item["count"] for item in report["ces"]["distribution"]] == [1, 1, 0, 1, 1, 2, 1]


def test_the_report_uses_the_configured_low_score_threshold(sessions, settings):
    strict = settings.model_copy(update={"ces_low_score_threshold": 4})
    seed_report_data(sessions)
    with session_scope(sessions) as session:
        accounts.create_agent(session, email=ADMIN_EMAIL, name="Lead", role="admin", password=ADMIN_PASSWORD)
    with TestClient(create_app(strict)) as client:
        summary = client.get("/api/reports", params=RANGE, headers=bearer(client, ADMIN_EMAIL)).json()["ces"]["summary"]

    assert (summary["low_threshold"], summary["low"]) == (4, 3)


def test_an_admin_downloads_the_report_as_csv(client):
    response = client.get("/api/reports.csv", params=RANGE, headers=bearer(client, ADMIN_EMAIL))

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"] == (
        'attachment; filename="effortless-report-2026-03-02-to-2026-03-15.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == ["section", "dimension", "key", "metric", "value"]
    assert ["ces_summary", "", "", "share_easy", "0.5714"] in rows
    assert ["kb_gaps", "group", "5", "representative", "איך לייצא נתונים?"] in rows  # after the help centre's gift-card group


@pytest.mark.parametrize("path", ["/api/reports", "/api/reports.csv"])
def test_without_login_the_data_is_refused(client, path):
    response = client.get(path, params=RANGE)

    assert response.status_code == 401
    assert response.json() == {"detail": "log in first"}


@pytest.mark.parametrize("path", ["/api/reports", "/api/reports.csv"])
def test_an_agent_who_is_not_an_admin_is_refused(client, path):
    response = client.get(path, params=RANGE, headers=bearer(client, AGENT_EMAIL))

    assert response.status_code == 403
    assert response.json() == {"detail": "only admins may do this"}


@pytest.mark.parametrize("params, message", [
    ({"since": "2026-13-01"}, "since must be a date like 2026-03-01 (YYYY-MM-DD), got '2026-13-01'"),
    ({"since": "2026-03-15", "until": "2026-03-02"}, "since (2026-03-15) is after until (2026-03-02)"),
    ({"until": "<script>"}, "until must be a date like 2026-03-01 (YYYY-MM-DD), got '<script>'"),
])
def test_a_bad_range_is_a_422_with_the_reason(client, params, message):
    response = client.get("/api/reports", params=params, headers=bearer(client, ADMIN_EMAIL))

    assert response.status_code == 422
    assert response.json() == {"detail": message}


def test_the_page_loads_without_login_and_allows_only_its_own_scripts(client):
    response = client.get("/agent/reports")

    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert '<script src="/agent/reports/static/reports.js" defer></script>' in response.text


def test_the_page_script_and_stylesheet_are_served_and_nothing_else(client):
    assert client.get("/agent/reports/static/reports.js").headers["content-type"] == "text/javascript; charset=utf-8"
    assert client.get("/agent/reports/static/reports.css").headers["content-type"] == "text/css; charset=utf-8"
    assert client.get("/agent/reports/static/reports.html").status_code == 404
    assert client.get("/agent/reports/static/api.py").status_code == 404
