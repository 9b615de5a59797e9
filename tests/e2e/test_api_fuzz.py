"""Schemathesis over the helpdesk's OpenAPI spec, against the real service (uvicorn, as `make run`
starts it): every operation, without credentials and with them (an admin's session cookie and
X-CSRF-Token as the console sends them; the service token on the internal API).

Every answer must be no server error (5xx) and must match the spec: a documented status code,
content type, body schema and headers; invalid input must be refused. Schema-valid input may still
be refused (422 for an e-mail the service cannot use, 409 for a taken one, 404 for an unknown
ticket): those are business rules the spec cannot express, so schemathesis' "valid data must be
accepted" check is left out. Examples are bounded and derandomized, so a run takes a few minutes
and is the same every time; the figures are printed at the end (and reported in docs/testing.md).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    negative_data_rejection,
    not_a_server_error,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.core.failures import FailureGroup
from sqlalchemy import select, update

from bot.db import make_engine, make_session_factory, migrate, session_scope
from bot.helpdesk import accounts
from bot.helpdesk.auth import CSRF_HEADER, SESSION_COOKIE
from bot.models import Agent
from bot.settings import load_settings
from bot.stack.assembly import run_helpdesk
from bot.stack.supervisor import free_port
from tests.e2e.helpers import helpdesk_alone_env

pytestmark = pytest.mark.e2e

SERVICE_TOKEN = "fuzz-service-token"
ADMIN_EMAIL = "boss@example.com"
EXAMPLES_PER_OPERATION = 25
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          response_headers_conformance, negative_data_rejection]
FUZZ_SETTINGS = settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, derandomize=True, database=None,
                         suppress_health_check=list(HealthCheck))
# The live-update stream never ends by itself: only its answer's status is checked.
STREAMING = {("GET", "/api/events")}

cases_run: Counter[str] = Counter()
statuses_seen: Counter[int] = Counter()


@dataclass
class Helpdesk:
    url: str
    sessions: object  # sessionmaker on the service's own database

    def admin_credentials(self) -> tuple[dict[str, str], dict[str, str]]:
        """Headers and cookies of a live admin session, as the console holds them after login.

        The fuzzer may log that session out, deactivate or demote the admin: then the admin is made
        active again and a new session is opened (in the database, not through the login form,
        which the fuzzer's own failed logins throttle)."""
        with session_scope(self.sessions) as session:
            session.execute(update(Agent).where(Agent.email == ADMIN_EMAIL).values(is_active=True, role="admin"))
            session.commit()
            admin = session.scalars(select(Agent).where(Agent.email == ADMIN_EMAIL)).one()
            token, agent_session = accounts.open_session(session, agent=admin)
            return {CSRF_HEADER: agent_session.csrf_token}, {SESSION_COOKIE: token}


@pytest.fixture(scope="module")
def helpdesk(tmp_path_factory) -> Iterator[Helpdesk]:
    directory = tmp_path_factory.mktemp("fuzz")
    port = free_port()
    env = helpdesk_alone_env(directory / "var", port, HELPDESK_SERVICE_TOKEN=SERVICE_TOKEN,
                             # No Rasa: agent replies stay pending, quickly (nothing listens on port 9).
                             RASA_URL="http://127.0.0.1:9", HTTP_RETRIES="0", HTTP_TIMEOUT_S="1",
                             BUSINESS_HOURS="Mon-Sun 00:00-24:00")
    settings_ = load_settings(env)
    migrate(settings_)
    engine = make_engine(settings_.database_url)
    with session_scope(make_session_factory(engine)) as session:
        accounts.create_agent(session, email=ADMIN_EMAIL, name="Boss", role="admin", password="correct horse battery")
    with run_helpdesk(env, port, directory / "log", "--log-level", "warning") as service:
        desk = Helpdesk(service.url, make_session_factory(engine))
        _seed(desk)
        yield desk
    engine.dispose()


def _seed(desk: Helpdesk) -> None:
    """A few tickets (one claimed and answered) and a saved reply, so small ids lead somewhere."""
    service = {"Authorization": f"Bearer {SERVICE_TOKEN}"}
    for number in range(1, 4):
        requests.post(f"{desk.url}/api/internal/tickets", headers=service, timeout=10, json={
            "idempotency_key": f"seed-{number}", "conversation_id": f"seed-conversation-{number}",
            "reason": "customer_request", "subject": f"Seeded ticket {number}",
            "transcript": [{"author": "customer", "text": "Hello"}]}).raise_for_status()
    headers, cookies = desk.admin_credentials()
    with requests.Session() as console:
        console.headers.update(headers)
        console.cookies.update(cookies)
        console.post(f"{desk.url}/api/tickets/1/claim", timeout=10).raise_for_status()
        console.post(f"{desk.url}/api/tickets/1/messages", json={"text": "Hi, I am here"}, timeout=10).raise_for_status()
        console.post(f"{desk.url}/api/saved-replies", json={"title": "Hello", "body": "Hello!"},
                     timeout=10).raise_for_status()


@pytest.fixture(scope="module")
def operations(helpdesk: Helpdesk) -> list:
    schema = schemathesis.openapi.from_url(f"{helpdesk.url}/openapi.json")
    return [result.ok() for result in schema.get_all_operations()]


@pytest.fixture(scope="module", autouse=True)
def report_figures(request) -> Iterator[None]:
    """Print how many cases ran, per credentials, and the statuses they got (shown even when passing)."""
    yield
    if not cases_run:
        return
    by_credentials: Counter[str] = Counter()
    for key, count in cases_run.items():
        by_credentials[key.rsplit(" ", 1)[1]] += count
    operations_run = {key.rsplit(" ", 1)[0] for key in cases_run}
    capture = request.config.pluginmanager.get_plugin("capturemanager")
    with capture.global_and_fixture_disabled():
        print(f"\nAPI fuzzing: {sum(cases_run.values())} cases over {len(operations_run)} operations "
              f"({dict(by_credentials)}); statuses: {dict(sorted(statuses_seen.items()))}")


def fuzz(operations: list, run_one: Callable[[Case], None]) -> list[str]:
    """Valid and invalid cases for each operation; the failures, one line each (all operations are tried)."""
    failures = []
    for operation in operations:
        for mode in GenerationMode:
            @FUZZ_SETTINGS
            @given(case=operation.as_strategy(generation_mode=mode))
            def run(case: Case) -> None:
                run_one(case)

            try:
                run()
            except Unsatisfiable:
                pass  # nothing to make invalid: the operation has no parameters and no body
            except (Exception, FailureGroup) as failure:  # every operation is tried; all failures are reported together
                failures.append(f"{operation.label} ({mode.value}): {failure}")
    return failures


def run_case(case: Case, helpdesk: Helpdesk, headers: dict[str, str], cookies: dict[str, str]) -> None:
    who = "authenticated" if headers or cookies else "anonymous"
    cases_run[f"{case.method} {case.path} {who}"] += 1
    if (case.method, case.path) in STREAMING:
        kwargs = case.as_transport_kwargs(base_url=helpdesk.url, headers=headers)
        kwargs["cookies"] = {**(kwargs.get("cookies") or {}), **cookies}
        with requests.request(**kwargs, stream=True, timeout=10) as response:
            statuses_seen[response.status_code] += 1
            assert response.status_code < 500, response.text
        return
    response = case.call(base_url=helpdesk.url, headers=headers, cookies=cookies, timeout=30)
    statuses_seen[response.status_code] += 1
    # 413 is how every route refuses a body over its limit (bot/web/limits.py), schema-valid or not.
    checks = [check for check in CHECKS if not (check is negative_data_rejection and response.status_code == 413)]
    case.validate_response(response, checks=checks, headers=headers)


def test_without_credentials(helpdesk, operations):
    failures = fuzz(operations, lambda case: run_case(case, helpdesk, {}, {}))
    assert not failures, "\n\n".join(failures)


def test_with_credentials(helpdesk, operations):
    def as_console_or_action_server(case: Case) -> None:
        if case.path.startswith("/api/internal/"):
            run_case(case, helpdesk, {"Authorization": f"Bearer {SERVICE_TOKEN}"}, {})
        else:
            run_case(case, helpdesk, *helpdesk.admin_credentials())

    failures = fuzz(operations, as_console_or_action_server)
    assert not failures, "\n\n".join(failures)
