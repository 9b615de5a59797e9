"""What the customer receives by e-mail, on the real helpdesk with a real SMTP server: a receipt per
ticket, an agent reply when they are not in the chat (and not when they are), a refused chat line
that went by e-mail instead, and the resolution notice with its effort links; and what each line
tells the agent about where it got (``reached``)."""
from __future__ import annotations

from sqlalchemy import select

from bot.customers.identity import adjust_presence
from bot.db import session_scope
from bot.email.notify import queue_receipts
from bot.email.outbound import send_due
from bot.models import EmailMessage
from tests.bot.email.conftest import PUBLIC_HELPDESK_URL
from tests.helpers.sessions import in_session

BLOCKED = "An unexpected error occurred. Error: recipient unreachable: Forbidden: bot was blocked by the user"


def claimed(desk, conversation_id: str, **fields) -> tuple:
    anna = desk.agent("Anna")
    ticket_id = desk.ticket_id(desk.escalate(conversation_id, **fields)["reference"])
    assert desk.client.post(f"/api/tickets/{ticket_id}/claim", headers=anna.headers).status_code == 200
    return anna, ticket_id


def lines_of(desk, agent, ticket_id: int) -> dict[str, dict]:
    return {m["body"]: m for m in desk.client.get(f"/api/tickets/{ticket_id}", headers=agent.headers).json()["messages"]}


def queued(sessions, kind: str) -> list[EmailMessage]:
    with session_scope(sessions) as session:
        rows = session.scalars(select(EmailMessage).where(EmailMessage.kind == kind).order_by(EmailMessage.id)).all()
        session.expunge_all()
        return list(rows)


def left_the_chat(sessions, conversation_id: str) -> None:
    in_session(sessions, adjust_presence, conversation_id=conversation_id, open_=True)
    in_session(sessions, adjust_presence, conversation_id=conversation_id, open_=False)


def test_a_ticket_with_an_address_gets_one_receipt_in_its_language(mail_desk, mail_settings, mail_sessions, smtp_server):
    reference = mail_desk.escalate("web:receipt", language="he")["reference"]
    mail_desk.escalate("web:no-address", customer_email=None)

    queue_receipts(mail_settings, mail_sessions)
    queue_receipts(mail_settings, mail_sessions)  # (the helpdesk's own e-mail loop may run meanwhile too)
    assert len(queued(mail_sessions, "receipt")) == 1, "one receipt per ticket, none without an address"
    send_due(mail_settings, mail_sessions)
    [mail] = smtp_server.wait_for(1)
    assert mail["To"] == "dana@example.com"
    assert f"[{reference}]" in mail["Subject"] and "קיבלנו את הפנייה שלך" in mail["Subject"]
    assert mail.get_content().startswith("שלום Dana Customer,\n"), "greeted by the name given in the chat"
    assert "Cannot reset my password" in mail.get_content() and "צוות התמיכה של Acme" in mail.get_content()
    assert mail["Message-ID"] == queued(mail_sessions, "receipt")[0].message_id
    assert mail["Auto-Submitted"] == "auto-generated"


def test_an_agent_reply_goes_by_email_when_the_web_customer_left(mail_desk, mail_settings, mail_sessions, smtp_server, rasa):
    anna, ticket_id = claimed(mail_desk, "web:left")
    left_the_chat(mail_sessions, "web:left")
    queue_receipts(mail_settings, mail_sessions)
    mail_desk.client.post(f"/api/tickets/{ticket_id}/messages", json={"text": "Here is a new link."}, headers=anna.headers)
    mail_desk.client.post(f"/api/tickets/{ticket_id}/notes", json={"text": "internal only"}, headers=anna.headers)

    assert [c["entities"].get("agent_message") for c in rasa.calls][-1] == "Here is a new link.", "the chat has it too"
    [reply] = queued(mail_sessions, "agent_reply")
    [receipt] = queued(mail_sessions, "receipt")
    assert reply.in_reply_to == receipt.message_id, "threaded under the ticket's previous e-mail"
    send_due(mail_settings, mail_sessions)
    mails = smtp_server.wait_for(2)
    answer = next(m for m in mails if m["Message-ID"] == reply.message_id)
    assert answer["Subject"].startswith("Re: [T-") and answer["In-Reply-To"] == receipt.message_id
    assert "Here is a new link." in answer.get_content() and "Anna" in answer.get_content()
    assert "internal only" not in "".join(m.get_content() for m in mails)
    assert lines_of(mail_desk, anna, ticket_id)["Here is a new link."]["reached"] == "email"


def test_no_email_while_the_customer_is_in_the_chat(mail_desk, mail_settings, mail_sessions, rasa):
    anna, ticket_id = claimed(mail_desk, "web:here")
    in_session(mail_sessions, adjust_presence, conversation_id="web:here", open_=True)
    mail_desk.client.post(f"/api/tickets/{ticket_id}/messages", json={"text": "Hello!"}, headers=anna.headers)
    mail_desk.client.post(f"/api/tickets/{ticket_id}/resolve", headers=anna.headers)
    assert len(rasa.calls) == 3
    assert queued(mail_sessions, "agent_reply") == [] and queued(mail_sessions, "resolution") == []
    assert lines_of(mail_desk, anna, ticket_id)["Hello!"]["reached"] == "chat"


def test_a_line_the_chat_refused_for_good_goes_by_email_and_the_console_says_so(mail_desk, mail_sessions, rasa):
    anna, ticket_id = claimed(mail_desk, "telegram:77")
    rasa.refuse_for["telegram:77"] = (500, BLOCKED)
    mail_desk.client.post(f"/api/tickets/{ticket_id}/messages", json={"text": "are you there?"}, headers=anna.headers)
    line = lines_of(mail_desk, anna, ticket_id)["are you there?"]
    assert (line["delivery_error"], line["reached"]) == ("recipient unreachable: Forbidden: bot was blocked by the user", "email")
    assert [m.body.split("\n\n")[1] for m in queued(mail_sessions, "agent_reply")] == ["are you there?"]


def test_a_telegram_customer_in_reach_gets_no_email(mail_desk, mail_sessions, rasa):
    anna, ticket_id = claimed(mail_desk, "telegram:78", channel="telegram")
    mail_desk.client.post(f"/api/tickets/{ticket_id}/messages", json={"text": "hi"}, headers=anna.headers)
    assert queued(mail_sessions, "agent_reply") == []


def test_the_resolution_notice_carries_seven_signed_effort_links(mail_desk, mail_settings, mail_sessions, smtp_server):
    anna, ticket_id = claimed(mail_desk, "web:resolved", language="cs")
    left_the_chat(mail_sessions, "web:resolved")
    mail_desk.client.post(f"/api/tickets/{ticket_id}/resolve", headers=anna.headers)
    send_due(mail_settings, mail_sessions)
    [mail] = [m for m in smtp_server.wait_for(2) if m["Message-ID"] == queued(mail_sessions, "resolution")[0].message_id]
    body = mail.get_content()
    assert "vyřešený" in mail["Subject"] and "Nakolik souhlasíte" in body
    links = [line.split(": ", 1)[1] for line in body.splitlines() if line[:2] in {f"{n}:" for n in range(1, 8)}]
    assert len(links) == 7
    assert all(link.startswith(f"{PUBLIC_HELPDESK_URL}/rate/") for link in links)
    assert [link.rsplit("?score=", 1)[1] for link in links] == [str(n) for n in range(1, 8)]


def test_a_ticket_that_came_by_email_is_answered_by_email_only(mail_desk, mail_sessions, rasa):
    anna, ticket_id = claimed(mail_desk, "email:dana@example.com", channel="email")
    mail_desk.client.post(f"/api/tickets/{ticket_id}/messages", json={"text": "Try this."}, headers=anna.headers)
    assert rasa.calls == [], "no chat to deliver to"
    assert [m.body.split("\n\n")[1] for m in queued(mail_sessions, "agent_reply")] == ["Try this."]
    lines = mail_desk.client.get(f"/api/tickets/{ticket_id}", headers=anna.headers).json()["messages"]
    assert all(m["delivered"] for m in lines)
    assert lines_of(mail_desk, anna, ticket_id)["Try this."]["reached"] == "email"


def test_a_rest_customer_gets_the_reply_and_the_resolution_by_email(mail_desk, mail_sessions, rasa):
    """The REST channel cannot push: without the e-mail the customer would hear nothing."""
    anna, ticket_id = claimed(mail_desk, "rest:with-address", channel="rest")
    mail_desk.client.post(f"/api/tickets/{ticket_id}/messages", json={"text": "Done."}, headers=anna.headers)
    mail_desk.client.post(f"/api/tickets/{ticket_id}/resolve", headers=anna.headers)
    assert len(queued(mail_sessions, "agent_reply")) == 1 and len(queued(mail_sessions, "resolution")) == 1
    lines = [m for m in lines_of(mail_desk, anna, ticket_id).values() if m["reached"] is not None]
    assert [(m["author_type"], m["reached"], m["email_skipped"]) for m in lines] == [
        ("system", "nobody", None), ("agent", "email", None), ("system", "email", None)]


def test_a_rest_customer_without_an_address_hears_nothing_and_the_console_says_why(mail_desk, mail_sessions, rasa):
    anna, ticket_id = claimed(mail_desk, "rest:no-address", channel="rest", customer_email=None)
    mail_desk.client.post(f"/api/tickets/{ticket_id}/messages", json={"text": "Done."}, headers=anna.headers)
    assert queued(mail_sessions, "agent_reply") == []
    line = lines_of(mail_desk, anna, ticket_id)["Done."]
    assert (line["reached"], line["email_skipped"], line["delivery_error"]) == ("nobody", "no_address", None)
