"""Finding a customer's data by e-mail or conversation, and exporting all of it as JSON."""
from __future__ import annotations

import json

import pytest

from bot.db import session_scope, utcnow
from bot.models import TicketMessage
from bot.privacy.export import export
from bot.privacy.locate import Footprint, InvalidSubject, Subject, locate
from tests.bot.privacy.customers import NOA_CONVERSATIONS, NOA_EMAIL, OMAR_CONVERSATION, OMAR_TEXTS


def footprint(stores, **subject) -> Footprint:
    with session_scope(stores.sessions) as session, stores.trackers() as trackers:
        return locate(session, trackers, Subject.of(**subject))


def exported(stores, **subject) -> dict:
    with session_scope(stores.sessions) as session, stores.trackers() as trackers:
        data = export(session, trackers, locate(session, trackers, Subject.of(**subject)))
    return json.loads(json.dumps(data))  # JSON-ready, as the command prints it


@pytest.mark.parametrize("email", [NOA_EMAIL, "  Noa.Cohen@EXAMPLE.com "])
def test_an_email_finds_every_conversation_where_it_was_given_and_their_tickets(stores, email):
    seeded = stores.seed(utcnow())

    found = footprint(stores, email=email)

    assert found.conversation_ids == NOA_CONVERSATIONS
    assert found.ticket_ids == (seeded.noa_ticket,)


def test_a_conversation_id_finds_that_conversation_and_its_tickets(stores):
    seeded = stores.seed(utcnow())

    assert footprint(stores, conversation_id="telegram:5550001").ticket_ids == (seeded.noa_ticket,)
    only_in_rasa = footprint(stores, conversation_id="rest:c3")
    assert (only_in_rasa.conversation_ids, only_in_rasa.ticket_ids) == (("rest:c3",), ())


@pytest.mark.parametrize("subject", [{"email": "nobody@example.com"}, {"conversation_id": "telegram:404"}])
def test_an_unknown_customer_has_no_footprint(stores, subject):
    stores.seed(utcnow())
    assert not footprint(stores, **subject).found


def test_a_tracker_store_rasa_has_not_created_yet_holds_nothing(stores):
    with session_scope(stores.sessions) as session, stores.trackers() as trackers:
        assert not locate(session, trackers, Subject.of(email=NOA_EMAIL)).found
        assert trackers.events_of(["rest:c3"]) == {}


@pytest.mark.parametrize("subject, message", [
    ({}, "either an e-mail address or a conversation id"),
    ({"email": NOA_EMAIL, "conversation_id": "rest:c3"}, "either an e-mail address or a conversation id"),
    ({"email": "noa at example dot com"}, "is not an e-mail address"),
    ({"email": ""}, "is not an e-mail address"),
    ({"conversation_id": "   "}, "1 to 255 characters"),
    ({"conversation_id": "x" * 256}, "1 to 255 characters"),
    ({"conversation_id": "anonymous:3f9a1c2b7d4e5f60"}, "already anonymised"),
])
def test_bad_input_is_refused_with_a_clear_message(subject, message):
    with pytest.raises(InvalidSubject, match=message):
        Subject.of(**subject)


def test_the_export_holds_everything_about_the_customer_and_nothing_about_others(stores):
    seeded = stores.seed(utcnow())

    data = exported(stores, email=NOA_EMAIL)

    assert data["subject"] == {"email": NOA_EMAIL, "conversation_id": None}
    assert data["conversations"] == list(NOA_CONVERSATIONS)
    [ticket] = data["tickets"]
    assert (ticket["id"], ticket["customer_email"], ticket["customer_name"]) == (seeded.noa_ticket, NOA_EMAIL, "Noa Cohen")
    assert [m["body"] for m in ticket["messages"]] == ["My refund for order 1182 never arrived",
                                                       "Hi Noa, checking the refund now"]
    assert ticket["kb_attempts"] == [{"question": "how do I get a refund for order 1182", "outcome": "abstain"}]
    assert sorted(q["question"] for q in data["kb_queries"]) == [
        "how do I get a refund for order 1182", "my email is NOA.COHEN@EXAMPLE.COM, where is my parcel",
        "refund for order 1182 please"]
    assert [r["comment"] for r in data["survey_ratings"]] == ["the wait was long, call me on +972 54 123 4567"]
    assert sorted(r["resolved_by"] for r in data["resolutions"]) == ["agent", "bot"]
    assert [z["zendesk_id"] for z in data["zendesk_tickets"]] == [9001]
    assert [e["request"]["customer_email"] for e in data["escalation_requests"]] == [NOA_EMAIL]
    assert [e["kind"] for e in data["helpdesk_events"]] == ["ticket_created"]
    assert sorted(data["rasa_tracker_events"]) == list(NOA_CONVERSATIONS)
    assert {"event": "slot", "name": "customer_email", "value": NOA_EMAIL} in [
        {key: event[key] for key in ("event", "name", "value")}
        for event in data["rasa_tracker_events"]["telegram:5550001"] if event["event"] == "slot"]
    assert [(c["name"], c["email"]) for c in data["customers"]] == [("Noa Cohen", NOA_EMAIL), ("Noa Cohen", None)]
    assert sorted((i["kind"], i["value"], i["proof"]) for i in data["customer_identities"]) == [
        ("conversation", "socketio:noa-web", "channel"), ("email", NOA_EMAIL, "code"), ("telegram", "5550001", "channel")]
    assert [c["id"] for c in data["conversation_records"]] == ["socketio:noa-web", "telegram:5550001"]
    assert [c["email"] for c in data["verification_codes"]] == [NOA_EMAIL]
    assert [e["kind"] for e in data["email_messages"]] == ["verification", "receipt"]
    text = json.dumps(data)
    assert not [needle for needle in OMAR_TEXTS if needle in text]
    assert OMAR_CONVERSATION not in text


def test_an_agents_note_naming_the_address_does_not_make_a_ticket_the_customers(stores):
    seeded = stores.seed(utcnow())
    with session_scope(stores.sessions) as session:
        session.add(TicketMessage(ticket_id=seeded.omar_ticket, author_type="note", body=f"ask {NOA_EMAIL} too?"))

    assert footprint(stores, email=NOA_EMAIL).ticket_ids == (seeded.noa_ticket,)
