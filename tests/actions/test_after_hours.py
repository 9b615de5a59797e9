"""Outside business hours the ticket is still created, and the customer is told when a person
will answer (in this chat or by email) instead of a queue position."""
import uuid
from datetime import datetime, timezone

import pytest

from actions.escalation import ActionCreateTicket
from bot.stack.assembly import run_helpdesk
from bot.stack.supervisor import free_port
from tests.actions.conftest import action_server_env, configured_services, helpdesk_env, make_tracker, responses, run, slots_set


def closed_now() -> str:
    """One hour a day that is not the current hour (UTC), so the helpdesk is closed right now."""
    return "Mon-Sun 20:00-21:00" if datetime.now(timezone.utc).hour < 12 else "Mon-Sun 03:00-04:00"


@pytest.fixture
def closed_helpdesk(var_dir, database_url, kb_dir, topics_file, tmp_path):
    env = {**helpdesk_env(var_dir, database_url), "BUSINESS_HOURS": closed_now(), "BUSINESS_TIMEZONE": "UTC"}
    with run_helpdesk(env, free_port(), tmp_path / "log", "--log-level", "warning") as helpdesk:
        with configured_services(action_server_env(var_dir, database_url, kb_dir, topics_file, helpdesk.url)):
            yield helpdesk


def test_outside_business_hours_the_customer_learns_when_a_person_will_answer(closed_helpdesk, dispatcher, domain):
    slots = {"escalation_id": uuid.uuid4().hex, "escalation_reason": "customer_request", "customer_name": "Noa",
             "customer_email": "noa@example.com", "issue_description": "My order arrived damaged"}
    tracker = make_tracker(domain, "My order arrived damaged", "inform", slots=slots)

    events = run(ActionCreateTicket(), dispatcher, tracker, domain)

    assert responses(dispatcher) == ["utter_ticket_created_offline"]
    message = dispatcher.messages[0]
    assert message["offline_reason"] == "Our team is offline right now (outside support hours)."
    assert message["next_open_text"].startswith("from ")  # e.g. "from Tue 24 Nov 03:00 UTC"
    assert message["customer_email"] == "noa@example.com"
    assert message["ticket_reference"].startswith("T-")
    assert slots_set(events)["handoff_active"] is True  # a person will still answer here, later
