"""Sending queued e-mail to a real SMTP server: a server that is away is tried again later (the
e-mail waits, nothing is lost), a recipient refused for good fails at once."""
from __future__ import annotations

from datetime import timedelta

from bot.db import session_scope, utcnow
from bot.email.outbound import enqueue, send_due
from bot.models import EmailMessage
from tests.helpers.smtp import SmtpServer


def queue_one(settings, sessions, to: str = "dana@example.com") -> int:
    with session_scope(sessions) as session:
        message = enqueue(session, settings=settings, kind="receipt", to=to, subject="[T-1001] hello", body="Hi")
        assert message is not None
        return message.id


def state(sessions, message_id: int) -> EmailMessage:
    with session_scope(sessions) as session:
        message = session.get_one(EmailMessage, message_id)
        session.expunge(message)
        return message


def test_a_server_that_is_away_is_tried_again_later(mail_settings, mail_sessions, smtp_server):
    smtp_server.stop()
    message_id = queue_one(mail_settings, mail_sessions)
    assert send_due(mail_settings, mail_sessions) == 0
    waiting = state(mail_sessions, message_id)
    assert (waiting.status, waiting.attempts) == ("pending", 1) and "unreachable" in str(waiting.last_error)
    assert waiting.next_attempt_at is not None and waiting.next_attempt_at > utcnow()
    assert send_due(mail_settings, mail_sessions) == 0, "not before its next attempt"

    back = SmtpServer(port=smtp_server.port).start()
    try:
        assert send_due(mail_settings, mail_sessions, now=utcnow() + timedelta(minutes=10)) == 1
        [mail] = back.wait_for(1)
    finally:
        back.stop()
    assert mail["Subject"] == "[T-1001] hello"
    assert state(mail_sessions, message_id).status == "sent"


def test_a_recipient_refused_for_good_fails_at_once(mail_settings, mail_sessions, smtp_server):
    smtp_server.refuse("nobody@example.com")
    message_id = queue_one(mail_settings, mail_sessions, to="nobody@example.com")
    assert send_due(mail_settings, mail_sessions) == 0
    failed = state(mail_sessions, message_id)
    assert (failed.status, failed.next_attempt_at) == ("failed", None) and "550" in str(failed.last_error)
    assert smtp_server.messages == []


def test_nothing_is_queued_when_email_is_off(settings, sessions):
    with session_scope(sessions) as session:
        assert enqueue(session, settings=settings, kind="receipt", to="dana@example.com", subject="s", body="b") is None
