"""Erasing a customer: nothing of theirs is left in any table or Rasa conversation, other customers
keep everything, and the reports' counts do not change."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.ces.report import build_report
from bot.db import session_scope, utcnow
from bot.models import Conversation, Customer, CustomerIdentity, Resolution, SurveyRating, Ticket
from bot.privacy.erase import Erasure, erase
from bot.privacy.locate import Subject, locate
from bot.privacy.tables import PSEUDONYM_PREFIX
from bot.privacy.trackers import TrackerStoreUnavailable
from tests.bot.privacy.customers import NOA_CONVERSATIONS, NOA_EMAIL, NOA_TEXTS, OMAR_CONVERSATION, OMAR_TEXTS


def run_erase(stores, confirm: bool = True, **subject) -> Erasure:
    with stores.sessions() as session, stores.trackers() as trackers:
        return erase(session, trackers, locate(session, trackers, Subject.of(**subject)), confirm=confirm)


def report(stores) -> dict:
    """Every report aggregate over the last week, except the KB gaps (made of the question texts)."""
    today = utcnow().date()
    with session_scope(stores.sessions) as session:
        built = build_report(session, today - timedelta(days=7), today)
    return {key: value for key, value in built.items() if key not in ("generated_at", "kb_gaps")}


def test_nothing_of_the_customer_is_left_anywhere_after_an_erase(stores):
    stores.seed(utcnow() - timedelta(hours=2))
    assert stores.leftovers(NOA_EMAIL), "the check can see the seeded data"

    erasure = run_erase(stores, email=NOA_EMAIL)

    assert erasure.done
    assert stores.leftovers(*NOA_TEXTS) == []
    assert stores.tracker_senders() == [OMAR_CONVERSATION]


def test_other_customers_keep_everything(stores):
    stores.seed(utcnow() - timedelta(hours=2))
    before = stores.leftovers(*OMAR_TEXTS)

    run_erase(stores, email=NOA_EMAIL)

    assert stores.leftovers(*OMAR_TEXTS) == before
    assert len(before) >= 10


def test_report_counts_stay_the_same(stores):
    stores.seed(utcnow() - timedelta(hours=2))
    before = report(stores)
    assert before["containment"]["conversations"] == 3 and before["ces"]["summary"]["responses"] == 2

    run_erase(stores, email=NOA_EMAIL)

    assert report(stores) == before


def test_counted_rows_are_anonymised_under_one_pseudonym_per_conversation(stores):
    seeded = stores.seed(utcnow() - timedelta(hours=2))

    run_erase(stores, email=NOA_EMAIL)

    with session_scope(stores.sessions) as session:
        ticket = session.get(Ticket, seeded.noa_ticket)
        assert (ticket.customer_email, ticket.customer_name, ticket.subject, ticket.description, ticket.kb_attempts,
                ticket.messages) == (None, None, "", "", [], [])
        assert (ticket.reference, ticket.reason, ticket.status, ticket.channel) == ("T-2001", "kb_missed_twice",
                                                                                    "resolved", "telegram")
        pseudonym = ticket.conversation_id
        assert pseudonym.startswith(PSEUDONYM_PREFIX)
        assert ticket.idempotency_key == f"{pseudonym}:esc-1"
        keys = session.scalars(select(Resolution.resolution_key).where(Resolution.conversation_id == pseudonym)).all()
        assert sorted(key.split(":")[0] for key in keys) == ["kb", "ticket"]
        assert all(pseudonym in key for key in keys if key.startswith("kb:"))
        rating = session.scalars(select(SurveyRating).where(SurveyRating.conversation_id == pseudonym)).one()
        assert (rating.score, rating.comment, rating.agent_id is not None) == (2, "", True)


def test_an_erase_reports_what_it_did_per_place(stores):
    stores.seed(utcnow() - timedelta(hours=2))

    erasure = run_erase(stores, email=NOA_EMAIL)

    assert erasure.rows == {"tickets": 1, "ticket_messages": 2, "helpdesk_events": 1, "escalation_requests": 1,
                            "conversations": 2, "verification_codes": 1, "email_messages": 2, "customers": 2,
                            "customer_identities": 3, "customer_merges": 1,
                            "kb_queries": 3, "resolutions": 2, "survey_ratings": 1, "zendesk_tickets": 1}
    assert erasure.tracker_events == 6
    assert erasure.lines()[0] == "tickets: 1 anonymised"
    assert "ticket_messages: 2 deleted" in erasure.lines()
    assert erasure.lines()[-1] == "rasa tracker events: 6 deleted"


def test_without_confirmation_nothing_changes_and_the_counts_say_what_would(stores):
    stores.seed(utcnow() - timedelta(hours=2))
    before = stores.leftovers(*NOA_TEXTS)

    dry_run = run_erase(stores, confirm=False, email=NOA_EMAIL)

    assert not dry_run.done
    assert stores.leftovers(*NOA_TEXTS) == before
    assert dry_run.rows == run_erase(stores, email=NOA_EMAIL).rows
    assert dry_run.tracker_events == 6
    assert "tickets: 1 would be anonymised" in dry_run.lines()


def test_erasing_one_conversation_leaves_the_customers_other_conversations(stores):
    stores.seed(utcnow() - timedelta(hours=2))

    erasure = run_erase(stores, conversation_id="socketio:noa-web")

    assert (erasure.rows["kb_queries"], erasure.rows["tickets"], erasure.tracker_events) == (1, 0, 1)
    assert stores.tracker_senders() == ["rest:c3", "telegram:5550001", OMAR_CONVERSATION]
    assert stores.leftovers("where is my parcel") == []
    assert stores.leftovers("never arrived")


def test_erasing_one_conversation_keeps_the_customer_record_of_the_others(stores):
    stores.seed(utcnow() - timedelta(hours=2))

    erasure = run_erase(stores, conversation_id="socketio:noa-web")

    assert (erasure.rows["conversations"], erasure.rows["verification_codes"], erasure.rows["customers"]) == (1, 1, 0)
    with stores.sessions() as session:
        noa = session.scalars(select(Customer).where(Customer.email == NOA_EMAIL)).one()
        identities = {(i.kind, i.value) for i in session.scalars(select(CustomerIdentity))}
        assert session.get(Conversation, "telegram:5550001").customer_id == noa.id
    assert ("conversation", "socketio:noa-web") not in identities  # the erased conversation's id goes
    assert {("telegram", "5550001"), ("email", NOA_EMAIL)} <= identities


def test_erasing_the_last_conversation_empties_the_customer_record_and_ticket_link(stores):
    seeded = stores.seed(utcnow() - timedelta(hours=2))

    run_erase(stores, conversation_id=OMAR_CONVERSATION)

    with stores.sessions() as session:
        ticket = session.get(Ticket, seeded.omar_ticket)
        assert ticket.customer_id is None
        assert session.scalars(select(Customer).where(Customer.name == "Omar Haddad")).all() == []
        assert session.get(Conversation, OMAR_CONVERSATION) is None
    assert stores.leftovers(*OMAR_TEXTS) == []


def test_after_an_erase_the_customer_is_not_found_any_more(stores):
    stores.seed(utcnow() - timedelta(hours=2))
    run_erase(stores, email=NOA_EMAIL)

    with stores.sessions() as session, stores.trackers() as trackers:
        for subject in ({"email": NOA_EMAIL}, *({"conversation_id": c} for c in NOA_CONVERSATIONS)):
            assert not locate(session, trackers, Subject.of(**subject)).found, subject


def test_an_unusable_tracker_store_erases_nothing(stores):
    stores.seed(utcnow() - timedelta(hours=2))
    before = stores.leftovers(*NOA_TEXTS)
    with stores.sessions() as session, stores.trackers() as trackers:
        footprint = locate(session, trackers, Subject.of(email=NOA_EMAIL))
        trackers.url = "postgresql://nobody@127.0.0.1:1/none"  # the store goes away between locating and erasing
        trackers.close()
        with pytest.raises(TrackerStoreUnavailable, match="tracker store postgresql://nobody@127.0.0.1:1/none"):
            erase(session, trackers, footprint, confirm=True)

    assert stores.leftovers(*NOA_TEXTS) == before
