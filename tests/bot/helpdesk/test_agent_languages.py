"""Agents by language: what they speak (API, CLI, migration), "claim next" preferring tickets in
their languages, and the bot being told when no agent online speaks the customer's language."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import command
from sqlalchemy import select

from bot.db import alembic_config, session_scope
from bot.helpdesk import tickets
from bot.models import Agent, Ticket
from tests.bot.helpdesk.test_helpdesk_cli import run_bot

# ---------------------------------------------------------------- profile and admin API


def test_an_agent_lists_the_languages_they_speak_in_their_profile(desk):
    noa = desk.agent("Noa")
    assert desk.client.get("/api/auth/me", headers=noa.headers).json()["agent"]["languages"] == ["en"]

    saved = desk.client.patch("/api/agents/me", json={"languages": ["HE", " en", "he"]}, headers=noa.headers)

    assert saved.status_code == 200, saved.text
    assert saved.json()["languages"] == ["he", "en"]  # lower-cased, each once, in the order given
    assert desk.client.get("/api/auth/me", headers=noa.headers).json()["agent"]["languages"] == ["he", "en"]


def test_unknown_or_no_language_codes_are_refused_with_a_clear_message_and_nothing_changes(desk):
    noa = desk.agent("Noa", languages=("he",))
    for languages, message in (
        (["he", "xx"], "unknown language code 'xx'; use one of en, he, ar, cs"),
        (["hebrew"], "unknown language code 'hebrew'; use one of en, he, ar, cs"),
        ([], "list at least one language: en, he, ar, cs"),
    ):
        refused = desk.client.patch("/api/agents/me", json={"languages": languages}, headers=noa.headers)
        assert refused.status_code == 422
        [problem] = refused.json()["detail"]
        assert problem["loc"] == ["body", "languages"] and problem["msg"].endswith(message)
    assert desk.client.get("/api/auth/me", headers=noa.headers).json()["agent"]["languages"] == ["he"]


def test_admins_set_an_agents_languages_when_creating_or_changing_the_account(desk):
    boss, anna = desk.agent("Boss", role="admin"), desk.agent("Anna")
    new = {"email": "omar@example.com", "name": "Omar", "password": "long password", "languages": ["ar", "en"]}
    created = desk.client.post("/api/agents", json=new, headers=boss.headers)
    assert (created.status_code, created.json()["languages"]) == (201, ["ar", "en"])

    changed = desk.client.patch(f"/api/agents/{anna.id}", json={"languages": ["cs"]}, headers=boss.headers)
    assert changed.json()["languages"] == ["cs"]
    refused = desk.client.patch(f"/api/agents/{anna.id}", json={"languages": ["cz"]}, headers=boss.headers)
    assert refused.status_code == 422 and "unknown language code 'cz'" in refused.text
    bad_create = desk.client.post("/api/agents", json={**new, "email": "x@example.com", "languages": ["de"]},
                                  headers=boss.headers)
    assert bad_create.status_code == 422 and "unknown language code 'de'" in bad_create.text
    assert desk.client.patch(f"/api/agents/{boss.id}", json={"languages": ["he"]}, headers=anna.headers).status_code == 403
    listed = {a["name"]: a["languages"] for a in desk.client.get("/api/agents", headers=anna.headers).json()}
    assert listed == {"Anna": ["cs"], "Boss": ["en"], "Omar": ["ar", "en"]}


# ---------------------------------------------------------------- claim next


def test_claim_next_prefers_the_oldest_ticket_in_the_agents_languages_then_the_queue_order(desk):
    english = desk.escalate("c-en", language="en")["reference"]
    urgent_arabic = desk.escalate("c-ar", language="ar", priority="urgent")["reference"]
    hebrew = desk.escalate("c-he", language="he")["reference"]
    later_hebrew = desk.escalate("c-he-2", language="he")["reference"]
    noa = desk.agent("Noa", languages=("he", "en"))
    omar = desk.agent("Omar", languages=("ar",))
    queue = [t["reference"] for t in desk.client.get("/api/queue", headers=noa.headers).json()]
    assert queue == [urgent_arabic, english, hebrew, later_hebrew]  # the queue itself does not change

    def claim_next(agent):
        return desk.client.post("/api/tickets/claim-next", headers=agent.headers).json()["reference"]

    # Noa speaks Hebrew and English: the urgent Arabic ticket is not hers while tickets in her languages wait.
    assert [claim_next(noa), claim_next(noa), claim_next(noa)] == [english, hebrew, later_hebrew]
    assert claim_next(omar) == urgent_arabic


def test_an_agent_is_never_idle_while_tickets_wait_in_other_languages(desk):
    czech = desk.escalate("c-cs", language="cs")["reference"]
    arabic = desk.escalate("c-ar", language="ar")["reference"]
    noa = desk.agent("Noa", languages=("he",))
    for expected in (czech, arabic):
        claimed = desk.client.post("/api/tickets/claim-next", headers=noa.headers)
        assert (claimed.status_code, claimed.json()["reference"]) == (200, expected)
    assert desk.client.post("/api/tickets/claim-next", headers=noa.headers).status_code == 204


# ---------------------------------------------------------------- what the bot is told


def test_the_receipt_says_whether_an_online_agent_speaks_the_customers_language(desk):
    assert desk.escalate("nobody-online", language="he")["language_covered"] is True  # the offline message says enough
    desk.agent("Emma", online=True, languages=("en",))
    assert desk.escalate("c-he", language="he")["language_covered"] is False
    assert desk.escalate("c-en", language="en")["language_covered"] is True
    desk.agent("Away Avi", online=False, languages=("he",))  # not online: does not count
    assert desk.escalate("c-he-2", language="he")["language_covered"] is False
    desk.agent("Noa", online=True, languages=("he", "en"))
    assert desk.escalate("c-he-3", language="he")["language_covered"] is True


def test_the_customer_moves_their_open_ticket_to_english(desk):
    desk.agent("Emma", online=True, languages=("en",))
    reference = desk.escalate("c-he", language="he")["reference"]
    path = "/api/internal/conversations/c-he/ticket/language"

    moved = desk.client.put(path, json={"language": "EN"}, headers=desk.service)

    assert moved.status_code == 200, moved.text
    assert (moved.json()["reference"], moved.json()["language_covered"], moved.json()["created"]) == (
        reference, True, False)
    detail = desk.client.get(f"/api/tickets/{desk.ticket_id(reference)}", headers=desk.agent().headers).json()
    assert detail["language"] == "en"
    assert detail["messages"][-1]["body"] == "The customer chose to continue in English (was in Hebrew)"
    again = desk.client.put(path, json={"language": "en"}, headers=desk.service)
    assert again.status_code == 200  # the same choice twice adds no second line
    assert len(desk.client.get(f"/api/tickets/{desk.ticket_id(reference)}", headers=desk.agent().headers)
               .json()["messages"]) == len(detail["messages"])
    unknown = desk.client.put(path, json={"language": "klingon"}, headers=desk.service)
    assert unknown.status_code == 422 and "unknown language code 'klingon'" in unknown.text
    none_open = desk.client.put("/api/internal/conversations/nobody/ticket/language", json={"language": "en"},
                                headers=desk.service)
    assert (none_open.status_code, none_open.json()) == (404, {"detail": tickets.NO_OPEN_TICKET})
    assert desk.client.put(path, json={"language": "en"}).status_code == 401  # the service token is needed


# ---------------------------------------------------------------- migration and CLI


def test_upgrading_from_0004_gives_existing_agents_english(database):
    settings, session_factory = database
    config = alembic_config(settings.database_url)
    command.downgrade(config, "0004")
    engine = sa.create_engine(settings.database_url)
    with engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO agents (email, name, role, password_hash, presence, is_active, created_at) "
            "VALUES ('old@example.com', 'Old Timer', 'agent', 'x', 'offline', true, CURRENT_TIMESTAMP)"
        ))
    engine.dispose()

    command.upgrade(config, "head")

    with session_scope(session_factory) as session:
        assert session.scalar(select(Agent.languages).where(Agent.email == "old@example.com")) == ["en"]


def test_the_cli_sets_the_languages_an_agent_speaks(settings_env, sessions):
    created = run_bot(settings_env, "create-agent", "--email", "noa@example.com", "--name", "Noa", "--languages",
                      "he, EN", "--password-stdin", stdin="long enough\n")
    assert created.returncode == 0, created.stderr
    assert created.stdout.strip() == "created agent Noa <noa@example.com> (id 1), speaks he, en"

    changed = run_bot(settings_env, "update-agent", "--email", "NOA@example.com", "--languages", "ar,he")
    assert (changed.returncode, changed.stdout.strip()) == (0, "Noa <noa@example.com> speaks ar, he")

    unknown = run_bot(settings_env, "update-agent", "--email", "noa@example.com", "--languages", "he,xx")
    assert (unknown.returncode, unknown.stderr.strip()) == (
        1, "update-agent: unknown language code 'xx'; use one of en, he, ar, cs")
    nobody = run_bot(settings_env, "update-agent", "--email", "who@example.com", "--languages", "en")
    assert (nobody.returncode, nobody.stderr.strip()) == (1, "update-agent: no agent with e-mail who@example.com")
    bad_create = run_bot(settings_env, "create-agent", "--email", "x@example.com", "--name", "X", "--languages", ",",
                         "--password-stdin", stdin="long enough\n")
    assert (bad_create.returncode, bad_create.stderr.strip()) == (
        1, "create-agent: list at least one language: en, he, ar, cs")
    with session_scope(sessions) as session:
        assert session.scalars(select(Agent.languages)).all() == [["ar", "he"]]
        assert session.scalars(select(Ticket)).all() == []
