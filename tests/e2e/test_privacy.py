"""A customer's whole support conversation, then `python -m bot customer erase --email`: afterwards no
table of the app database, no Rasa tracker event and no log file holds their e-mail or what was said.

Every process is real (Rasa, actions, helpdesk, the erase command); the customer chats on the
callback channel and the agent uses the helpdesk API.
"""
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, select

from bot.models import SurveyRating
from bot.privacy.tables import PSEUDONYM_PREFIX
from bot.settings import PROJECT_ROOT
from tests.e2e.helpers import AgentClient, Customer
from tests.e2e.standins import escalate

pytestmark = pytest.mark.e2e


def holding(url: str, needles: list[str]) -> list[str]:
    """``table.column: needle`` for every value in the database at ``url`` that contains a needle."""
    engine = create_engine(url)
    metadata = MetaData()
    metadata.reflect(engine)
    found = []
    try:
        with engine.connect() as connection:
            for table in metadata.sorted_tables:
                for row in connection.execute(select(table)).mappings():
                    for column, value in row.items():
                        found += [f"{table.name}.{column}: {n}" for n in needles if n.lower() in str(value).lower()]
    finally:
        engine.dispose()
    return sorted(set(found))


def logs_holding(log_dir: Path, needles: list[str]) -> list[str]:
    return sorted({f"{path.name}: {n}" for path in log_dir.glob("*.log")
                   for n in needles if n.lower() in path.read_text(encoding="utf-8", errors="replace").lower()})


def test_erasing_a_customer_leaves_nothing_of_them_in_databases_trackers_or_logs(stack, standins):
    token = uuid.uuid4().hex[:8]
    email = f"erase-{token}@example.com"
    said = [f"My parcel {token} never arrived", f"Checking parcel {token} now", f"thanks, still waiting for {token}",
            f"quick {token} answer"]
    settings = stack.running.settings
    agent = AgentClient.new_online_agent(stack, f"agent-{uuid.uuid4().hex[:8]}@example.com", "Dana")
    customer = Customer(stack, standins)

    escalate(customer.say, customer.texts, {r"your name": "Noa", r"email": email,
                                            r"what's the problem|pass this on as": said[0]})
    [ticket] = [t for t in agent.ok("GET", "/tickets", params={"status": "waiting", "limit": 500})
                if t["customer_email"] == email]
    agent.claim(ticket["reference"])
    agent.reply(ticket["reference"], said[1])
    customer.wait_for_text(said[1])
    customer.say(said[2])
    stack.wait_for(lambda: any(said[2] in m["body"] for m in agent.ticket(ticket["reference"])["messages"]))
    agent.resolve(ticket["reference"])
    customer.wait_for_text("made it easy for me to handle my issue")
    customer.say("6")
    customer.wait_for_text("anything we could have done better")
    customer.say(said[3])
    customer.wait_for_text("thanks for your feedback")

    needles = [email, token]
    assert holding(settings.database_url, needles), "the conversation is in the app database"
    assert holding(settings.tracker_store_url, needles), "and in Rasa's tracker store"

    erased = subprocess.run([sys.executable, "-m", "bot", "customer", "erase", "--email", email, "--yes"],
                            cwd=PROJECT_ROOT, env=stack.env, capture_output=True, text=True, timeout=120)

    assert erased.returncode == 0, erased.stderr
    assert erased.stdout.startswith(f"erased e-mail {email}: 1 conversation(s), 1 ticket(s)")
    assert "survey_ratings: 1 anonymised" in erased.stdout
    assert holding(settings.database_url, needles) == []
    assert holding(settings.tracker_store_url, needles) == []
    assert holding(settings.tracker_store_url, [ticket["conversation_id"]]) == []
    assert logs_holding(settings.log_dir, needles + [ticket["conversation_id"]]) == []
    erased_ticket = agent.ticket(ticket["reference"])
    assert (erased_ticket["customer_email"], erased_ticket["messages"], erased_ticket["status"]) == (None, [], "resolved")
    assert erased_ticket["conversation_id"].startswith(PSEUDONYM_PREFIX)
    engine = create_engine(settings.database_url)
    with engine.connect() as connection:  # the rating still counts in reports, without its words
        rating = connection.execute(select(SurveyRating.score, SurveyRating.comment, SurveyRating.conversation_id)
                                    .where(SurveyRating.ticket_id == ticket["id"])).one()
    engine.dispose()
    assert rating == (6, "", erased_ticket["conversation_id"])
