"""The action server answers only Rasa: it listens on ACTION_HOST (not EFFORTLESS_HOST) and requires
ACTION_SERVER_TOKEN on everything but /health. A real action server, started as the stack starts it,
on a one-article KB so that it is ready in seconds."""
import shutil
from collections.abc import Iterator

import pytest
import requests

from bot.settings import PROJECT_ROOT, load_settings
from bot.stack.action_server import bearer_token_matches
from bot.stack.supervisor import Service
from tests.bot.stack.stack_env import local_env
from tests.helpers.action_server import running_action_server

TOKEN = "action-token-0123456789"


@pytest.mark.parametrize("header, matches", [
    (f"Bearer {TOKEN}", True),
    (f"bearer {TOKEN}", True),
    (None, False),
    ("", False),
    ("Bearer", False),
    ("Bearer ", False),
    (f"Bearer {TOKEN[:-1]}", False),
    (f"Bearer {TOKEN}x", False),
    (f"Basic {TOKEN}", False),
    (TOKEN, False),
    ("Bearer tökén-ünïcode", False),
])
def test_only_the_exact_bearer_token_matches(header, matches):
    assert bearer_token_matches(header, TOKEN) is matches


@pytest.fixture(scope="module")
def action_server_env(tmp_path_factory) -> dict[str, str]:
    base = tmp_path_factory.mktemp("actions")
    kb = base / "kb" / "en"
    kb.mkdir(parents=True)
    shutil.copy(PROJECT_ROOT / "data" / "kb" / "en" / "reset-password.md", kb)
    # Rasa and the helpdesk would be on 127.0.0.2; the action server must stay on ACTION_HOST.
    return local_env(base, KB_DIR=str(base / "kb"), KB_EMBEDDING_MODEL="none", ACTION_SERVER_TOKEN=TOKEN,
                     EFFORTLESS_HOST="127.0.0.2", ACTION_HOST="127.0.0.1", LOG_LEVEL="INFO")


@pytest.fixture(scope="module")
def action_server(action_server_env) -> Iterator[Service]:
    with running_action_server(action_server_env, TOKEN, ready_timeout_s=120) as actions:
        yield actions


def test_health_is_open(action_server):
    assert requests.get(f"{action_server.url}/health", timeout=5).json() == {"status": "ok"}


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-the-token"}, {"Authorization": f"Basic {TOKEN}"}],
                         ids=["no token", "wrong token", "not bearer"])
def test_a_call_without_the_token_is_refused(action_server, headers):
    call = {"next_action": "action_answer_question", "sender_id": "intruder", "tracker": {}, "domain": {}}

    webhook = requests.post(f"{action_server.url}/webhook", json=call, headers=headers, timeout=5)
    listing = requests.get(f"{action_server.url}/actions", headers=headers, timeout=5)

    assert (webhook.status_code, listing.status_code) == (401, 401)
    assert webhook.headers["WWW-Authenticate"] == "Bearer"
    assert "ACTION_SERVER_TOKEN" in webhook.json()["error"]


def test_rasas_token_is_let_through(action_server):
    authorised = {"Authorization": f"Bearer {TOKEN}"}

    listing = requests.get(f"{action_server.url}/actions", headers=authorised, timeout=5)
    unknown = requests.post(f"{action_server.url}/webhook", headers=authorised, timeout=5,
                            json={"next_action": "action_that_does_not_exist", "tracker": {"sender_id": "rasa"}})

    assert listing.status_code == 200
    assert {"name": "action_answer_question"} in listing.json()
    assert unknown.status_code == 404  # reached rasa-sdk's executor, which knows no such action


def test_it_listens_on_action_host_only(action_server):
    port = action_server.url.rsplit(":", 1)[1]
    assert action_server.url == f"http://127.0.0.1:{port}"

    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.2:{port}/health", timeout=5)


def test_the_help_centres_kb_search_answers_from_the_action_servers_index(action_server):
    authorised = {"Authorization": f"Bearer {TOKEN}"}

    found = requests.post(f"{action_server.url}/kb/search", headers=authorised, timeout=30,
                          json={"question": "I forgot my password", "language": "en"})
    refused = requests.post(f"{action_server.url}/kb/search", timeout=5,
                            json={"question": "I forgot my password", "language": "en"})

    assert found.status_code == 200 and found.json()["candidates"][0]["article_id"] == "reset-password"
    assert refused.status_code == 401


@pytest.mark.parametrize("body", [{}, {"question": "password"}, {"question": 3, "language": "en"}, ["password", "en"]])
def test_a_kb_search_without_a_question_and_language_is_a_clear_400(action_server, body):
    response = requests.post(f"{action_server.url}/kb/search", headers={"Authorization": f"Bearer {TOKEN}"},
                             json=body, timeout=5)
    assert response.status_code == 400 and '"question"' in response.json()["error"]


def test_calls_leave_no_empty_access_lines_in_the_log(action_server, action_server_env):
    for _ in range(3):
        requests.get(f"{action_server.url}/actions", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=5)

    log = (load_settings(action_server_env).log_dir / "actions.log").read_text(encoding="utf-8")
    assert "Registered function for 'action_answer_question'" in log  # the server's own lines are there
    assert "sanic.access" not in log
