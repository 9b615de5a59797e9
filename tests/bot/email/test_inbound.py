"""Inbound e-mail: signature, loop detection, HTML as text, quoted history, threading and storing."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.db import session_scope, utcnow
from bot.email import inbound, outbound
from bot.email.inbound import InboundEmail
from bot.helpdesk import accounts, tickets
from bot.helpdesk.errors import InvalidInput, Unauthorized
from bot.helpdesk.schemas import TicketCreate
from bot.helpdesk.ticket_rules import HelpdeskPolicy
from bot.models import Conversation, CustomerIdentity, EmailMessage, HelpdeskEvent, Ticket, TicketMessage

SECRET = "inbound-secret-for-tests"
BODY = b'{"from": "dana@example.com"}'


def mail(**fields) -> InboundEmail:
    return InboundEmail.model_validate({"from": "Dana <dana@example.com>", "subject": "Hello", "text": "Hi there",
                                        "message_id": "<m1@mail.example>", **fields})


# ---------------------------------------------------------------- signature


def test_a_fresh_signature_over_the_body_is_accepted():
    now = utcnow()
    inbound.verify_signature(SECRET, BODY, inbound.sign(SECRET, BODY, int(now.timestamp())), now)


@pytest.mark.parametrize(
    ("header", "message"),
    [("", "missing or malformed"), ("v1=abc", "missing or malformed"), ("t=notanumber,v1=abc", "within 5 minutes")],
)
def test_a_missing_or_malformed_signature_is_refused(header, message):
    with pytest.raises(Unauthorized, match=message):
        inbound.verify_signature(SECRET, BODY, header, utcnow())


@pytest.mark.parametrize(
    ("secret", "body", "seconds_off", "message"),
    [
        ("another-secret", BODY, 0, "does not match"),
        (SECRET, BODY + b" ", 0, "does not match"),
        (SECRET, BODY, -400, "within 5 minutes"),
        (SECRET, BODY, 400, "within 5 minutes"),
    ],
    ids=["other-secret", "other-body", "stale", "future"],
)
def test_a_forged_or_stale_signature_is_refused(secret, body, seconds_off, message):
    now = utcnow()
    header = inbound.sign(secret, body, int(now.timestamp()) + seconds_off)
    with pytest.raises(Unauthorized, match=message):
        inbound.verify_signature(SECRET, BODY, header, now)


def test_any_one_of_several_signatures_may_match_while_a_secret_is_rotated():
    now = int(time.time())
    good = inbound.sign(SECRET, BODY, now).rpartition("v1=")[2]
    inbound.verify_signature(SECRET, BODY, f"t={now},v1=0000,v1={good}", utcnow())


# ---------------------------------------------------------------- loops and junk


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"headers": {"Auto-Submitted": "auto-replied"}}, "Auto-Submitted: auto-replied"),
        ({"headers": {"auto-submitted": "auto-generated; owner-email=x@y"}}, "Auto-Submitted: auto-generated"),
        ({"headers": {"Precedence": "bulk"}}, "Precedence: bulk"),
        ({"headers": {"Precedence": "auto_reply"}}, "Precedence: auto_reply"),
        ({"headers": {"X-Autoreply": "yes"}}, "X-Autoreply"),
        ({"headers": {"X-Autorespond": "1"}}, "X-Autorespond"),
        ({"subject": "Out of Office: Re: [T-1001] Hello"}, "automatic reply"),
        ({"subject": "Automatic reply: your ticket"}, "automatic reply"),
        ({"subject": "Automatická odpověď: Re: [T-1001]"}, "automatic reply"),
        ({"subject": "תשובה אוטומטית: הפנייה שלך"}, "automatic reply"),
        ({"subject": "رد تلقائي: طلبك"}, "automatic reply"),
        ({"from": "MAILER-DAEMON@mx.example.com"}, "bounce"),
        ({"from": "Mail System <postmaster@example.com>"}, "bounce"),
        ({"headers": {"Return-Path": "<>"}}, "bounce"),
        ({"headers": {"Content-Type": "multipart/report; report-type=delivery-status"}}, "bounce"),
        ({"from": "Acme Support <Support@acme.example>"}, "our own address"),
    ],
)
def test_automatic_mail_bounces_and_our_own_mail_are_ignored(fields, reason):
    assert reason in (inbound.ignore_reason(mail(**fields), "support@acme.example") or "")


@pytest.mark.parametrize("headers", [{}, {"Auto-Submitted": "no"}, {"Precedence": "normal"}])
def test_a_person_s_mail_is_not_ignored(headers):
    assert inbound.ignore_reason(mail(subject="Re: [T-1001] Out of office hours?", headers=headers),
                                 "support@acme.example") is None


# ---------------------------------------------------------------- HTML as text


def test_html_keeps_paragraphs_line_breaks_list_items_and_link_urls_and_drops_scripts():
    html = (
        "<html><head><title>t</title><style>p {color: red}</style></head><body>"
        "<p>Hello,</p><p>the order <b>still</b> has not arrived.<br>Tracking:"
        ' <a href="https://track.example/42">see here</a></p>'
        "<ul><li>order 42</li><li>paid &amp; confirmed</li></ul>"
        '<script>alert("x")</script><div>Thanks, Dana</div></body></html>'
    )
    assert inbound.html_to_text(html) == (
        "Hello,\n\nthe order still has not arrived.\nTracking: see here (https://track.example/42)\n\n"
        "- order 42\n- paid & confirmed\n\nThanks, Dana"
    )


def test_html_quoted_history_becomes_quoted_lines_that_are_then_stripped():
    html = ('<div>Yes, that fixed it.</div><div class="gmail_quote">On Mon, 5 Jan 2026 Acme wrote:'
            "<blockquote>Please try again.<br>Anna</blockquote></div>")
    assert inbound.html_to_text(html).splitlines()[-2:] == ["> Please try again.", "> Anna"]
    assert inbound.strip_quoted(inbound.html_to_text(html)) == "Yes, that fixed it."


def test_broken_html_still_gives_its_text():
    assert inbound.html_to_text("<p>unclosed <b>bold <i>text") == "unclosed bold text"


# ---------------------------------------------------------------- quoted history


@pytest.mark.parametrize(
    "history",
    [
        "On Mon, Jan 5, 2026 at 9:00 AM Acme Support <support@acme.example> wrote:\n> Hello Dana",
        "On Mon, Jan 5, 2026 at 9:00 AM Acme Support <\nsupport@acme.example> wrote:\n> Hello Dana",
        "-----Original Message-----\nFrom: Acme\nSent: Monday\nHello Dana",
        "________________________________\nFrom: Acme Support\nSent: Monday, January 5, 2026\nHello Dana",
        "From: Acme Support <support@acme.example>\nDate: Monday\nHello Dana",
        "\u200fבתאריך יום ב׳, 5 בינו׳ 2026 ב-9:00 מאת Acme Support <support@acme.example>\u200f:\n> שלום",
        "ב-5 בינו׳ 2026, בשעה 9:00, Acme Support <support@acme.example> כתב/ה:\n> שלום",
        "-----הודעה מקורית-----\nמאת: Acme\nנשלח: יום שני\nשלום",
        "في الاثنين، 5 يناير 2026 في 9:00 ص، كتب Acme Support <support@acme.example>:\n> مرحبا",
        "-----الرسالة الأصلية-----\nمن: Acme\nتاريخ الإرسال: الاثنين\nمرحبا",
        "po 5. 1. 2026 v 9:00 odesílatel Acme Support <support@acme.example> napsal:\n> Dobrý den",
        "Dne 5.1.2026 v 9:00 Acme Support napsal(a):\n> Dobrý den",
        "-----Původní zpráva-----\nOd: Acme\nOdesláno: pondělí\nDobrý den",
        "-- \nDana Customer\nAcme fan since 2020",
    ],
)
def test_quoted_history_and_signatures_are_cut_off_in_four_languages(history):
    assert inbound.strip_quoted(f"Thanks, it works now.\n\n{history}\nmore old text") == "Thanks, it works now."


def test_interleaved_answers_keep_the_customer_s_lines_without_the_quoted_ones():
    text = "> Which order?\n42\n> When did you pay?\nYesterday"
    assert inbound.strip_quoted(text) == "42\nYesterday"


def test_a_customer_s_own_words_about_writing_are_kept():
    text = "My colleague wrote: the app crashes.\nOn Tuesday it worked."
    assert inbound.strip_quoted(text) == text


def test_attachments_are_named_and_only_quoted_history_is_refused():
    with_file = mail(text="", html="", attachments=[{"filename": "shot.png", "content_type": "image/png", "size": 20_000}])
    assert inbound.reply_text(with_file) == "[attachments not stored: shot.png (20 kB)]"
    with pytest.raises(InvalidInput, match="no text of its own"):
        inbound.reply_text(mail(text="On Mon, 5 Jan 2026 Acme wrote:\n> old"))


# ---------------------------------------------------------------- threading and storing


@pytest.fixture
def settings_env(settings_env):
    return {**settings_env, "SMTP_URL": "smtp://127.0.0.1:1", "EMAIL_FROM": "Acme Support <support@acme.example>",
            "BUSINESS_HOURS": "24/7", "MAX_EMAIL_ATTACHMENT_BYTES": "100000"}


@pytest.fixture
def desk(settings, sessions):
    """A web-chat ticket of dana@example.com with our receipt e-mail, and its agent."""
    policy = HelpdeskPolicy.from_settings(settings)
    with session_scope(sessions) as session:
        agent = accounts.create_agent(session, email="anna@acme.example", name="Anna", role="agent",
                                     password="long enough pw")
        ticket, _ = tickets.create_ticket(session, policy=policy, data=TicketCreate(
            idempotency_key="k1", conversation_id="web:abc", channel="socketio", customer_email="dana@example.com",
            subject="Refund", reason="customer_request"))
        receipt = outbound.enqueue(session, settings=settings, kind="receipt", to="dana@example.com",
                                   subject=f"[{ticket.reference}] Refund", body="We got it", ticket_id=ticket.id)
        session.commit()
        assert receipt is not None
        return {"policy": policy, "ticket_id": ticket.id, "reference": ticket.reference,
                "receipt_id": receipt.message_id, "agent_id": agent.id}


def receive(settings, sessions, desk, **fields) -> inbound.Outcome:
    with session_scope(sessions) as session:
        return inbound.receive(session, mail=mail(**fields), settings=settings, policy=desk["policy"])


def customer_lines(sessions, ticket_id: int) -> list[str]:
    with session_scope(sessions) as session:
        return list(session.scalars(select(TicketMessage.body).where(
            TicketMessage.ticket_id == ticket_id, TicketMessage.author_type == "customer").order_by(TicketMessage.id)))


def test_a_reply_threaded_by_in_reply_to_joins_its_ticket_once_and_the_console_hears_of_it(settings, sessions, desk):
    text = "It was order 42.\n\nOn Mon, 5 Jan 2026 Acme Support <support@acme.example> wrote:\n> We got it"
    outcome = receive(settings, sessions, desk, in_reply_to=desk["receipt_id"], subject="Re: Refund", text=text)
    assert outcome == inbound.Outcome("received", desk["reference"])
    assert receive(settings, sessions, desk, in_reply_to=desk["receipt_id"], text=text).status == "duplicate"
    assert customer_lines(sessions, desk["ticket_id"]) == ["It was order 42."]
    with session_scope(sessions) as session:
        stored = session.scalars(select(EmailMessage).where(EmailMessage.direction == "in")).one()
        assert (stored.kind, stored.status, stored.ticket_id) == ("reply", "received", desk["ticket_id"])
        event = session.scalars(select(HelpdeskEvent).order_by(HelpdeskEvent.id.desc())).first()
        assert event.kind == "message_created" and event.payload["message"]["body"] == "It was order 42."


def test_a_reply_threaded_by_references_joins_its_ticket(settings, sessions, desk):
    references = f"<other@mail.example> {desk['receipt_id']}"
    assert receive(settings, sessions, desk, references=references).ticket_reference == desk["reference"]


def test_the_subject_reference_counts_only_from_the_ticket_s_customer(settings, sessions, desk):
    subject = f"Re: [{desk['reference']}] Refund"
    assert receive(settings, sessions, desk, subject=subject).ticket_reference == desk["reference"]
    stranger = receive(settings, sessions, desk, subject=subject, message_id="<m2@x>", **{"from": "eve@example.com"})
    assert stranger == inbound.Outcome("ignored", reason=f"unknown reference {desk['reference']} for this sender")
    assert receive(settings, sessions, desk, subject="Re: [T-99999] x", message_id="<m3@x>").status == "ignored"
    assert customer_lines(sessions, desk["ticket_id"]) == ["Hi there"]
    with session_scope(sessions) as session:
        ignored = session.scalars(select(EmailMessage.last_error).where(EmailMessage.status == "ignored")).all()
    assert len(ignored) == 2 and all(reason.startswith("unknown reference") for reason in ignored)


def test_an_auto_reply_is_stored_as_ignored_and_never_reaches_the_ticket(settings, sessions, desk):
    outcome = receive(settings, sessions, desk, in_reply_to=desk["receipt_id"], subject="Automatic reply: Refund")
    assert outcome == inbound.Outcome("ignored", reason="automatic reply (subject)")
    assert customer_lines(sessions, desk["ticket_id"]) == []


def test_a_reply_to_a_resolved_ticket_reopens_it_for_its_agent(settings, sessions, desk):
    with session_scope(sessions) as session:
        agent = accounts.get_agent(session, agent_id=desk["agent_id"])
        tickets.claim_ticket(session, ticket_id=desk["ticket_id"], agent=agent)
        tickets.resolve(session, ticket_id=desk["ticket_id"], agent=agent)
    assert receive(settings, sessions, desk, in_reply_to=desk["receipt_id"], text="Still broken").status == "received"
    with session_scope(sessions) as session:
        ticket = session.get_one(Ticket, desk["ticket_id"])
        assert (ticket.status, ticket.assignee_id, ticket.resolved_at) == ("assigned", desk["agent_id"], None)
        assert [m.body for m in ticket.messages[-2:]] == [inbound.REOPENED_BY_EMAIL, "Still broken"]


def test_a_new_e_mail_opens_an_email_ticket_whose_customer_the_address_does_not_prove(settings, sessions, desk):
    outcome = receive(settings, sessions, desk, subject="Fwd: My invoice is wrong", text="Dobrý den, faktura je špatně.",
                      message_id="<new@x>", **{"from": "Petr Novák <petr@example.cz>"})
    assert outcome.status == "received" and outcome.ticket_reference != desk["reference"]
    second = receive(settings, sessions, desk, subject="and another thing", text="Také chybí DPH.",
                     message_id="<new2@x>", **{"from": "petr@example.cz"})
    assert second.ticket_reference == outcome.ticket_reference  # one open ticket per e-mail address
    with session_scope(sessions) as session:
        ticket = session.scalars(select(Ticket).where(Ticket.reference == outcome.ticket_reference)).one()
        assert (ticket.channel, ticket.conversation_id, ticket.customer_email) == ("email", "email:petr@example.cz",
                                                                                  "petr@example.cz")
        assert (ticket.subject, ticket.customer_name, ticket.language) == ("My invoice is wrong", "Petr Novák", "cs")
        assert [m.body for m in ticket.messages] == ["Dobrý den, faktura je špatně.", "Také chybí DPH."]
        customer_id = session.get_one(Conversation, "email:petr@example.cz").customer_id
        assert ticket.customer_id == customer_id
        identities = session.scalars(select(CustomerIdentity).where(CustomerIdentity.customer_id == customer_id)).all()
        assert [(i.kind, i.proof) for i in identities] == [("email", "channel")]
        assert session.scalar(select(Ticket.customer_id).where(Ticket.id == desk["ticket_id"])) != customer_id


def test_a_reply_to_a_closed_ticket_opens_a_follow_up(settings, sessions, desk):
    with session_scope(sessions) as session:
        session.get_one(Ticket, desk["ticket_id"]).status = "withdrawn"
    outcome = receive(settings, sessions, desk, in_reply_to=desk["receipt_id"], text="Hello again")
    assert outcome.status == "received" and outcome.ticket_reference != desk["reference"]
    with session_scope(sessions) as session:
        follow_up = session.scalars(select(Ticket).where(Ticket.reference == outcome.ticket_reference)).one()
        assert follow_up.description.startswith(f"Follow-up to {desk['reference']} (withdrawn).")


def test_an_attachment_over_the_limit_is_refused_and_nothing_is_stored(settings, sessions, desk):
    big = [{"filename": "video.mp4", "content_type": "video/mp4", "size": 100_001}]
    with pytest.raises(inbound.AttachmentTooLarge, match="over 100000 bytes"):
        receive(settings, sessions, desk, in_reply_to=desk["receipt_id"], attachments=big)
    with session_scope(sessions) as session:
        assert session.scalars(select(EmailMessage).where(EmailMessage.direction == "in")).all() == []


def test_email_conversations_are_told_apart():
    assert inbound.is_email_conversation("email:dana@example.com")
    assert not inbound.is_email_conversation("web:abc")
    assert timedelta(minutes=5) == inbound.SIGNATURE_TOLERANCE
