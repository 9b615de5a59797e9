"""Outbound e-mail: queued in ``email_messages``, sent over SMTP, retried when the server is away.

Every e-mail is a row first (:func:`enqueue`), so nothing is lost when the SMTP server is down;
:func:`send_due` sends what is due and backs off on failures. With ``SMTP_URL`` empty e-mail is
off: nothing is queued, and :func:`email_enabled` tells the bot not to promise any.
"""
from __future__ import annotations

import smtplib
import ssl
from datetime import datetime, timedelta
from email.message import EmailMessage as MimeMessage
from email.utils import make_msgid, parseaddr
from urllib.parse import unquote, urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.db import rows_changed, session_scope, utcnow
from bot.helpdesk.schedule import next_attempt_at
from bot.models import EmailMessage
from bot.settings import Settings

# With the back-off of bot.helpdesk.schedule (capped at 5 minutes) this keeps trying for about two
# hours: long enough to ride out an SMTP server's restart or outage, short enough that a receipt
# or a reply is not delivered once it is stale.
MAX_ATTEMPTS = 40
SMTP_TIMEOUT_S = 20
# How long a claimed e-mail is left to its sender: longer than the SMTP conversation can take.
SEND_HOLD = timedelta(seconds=4 * SMTP_TIMEOUT_S)


class EmailFailed(RuntimeError):
    """The SMTP server did not take the message; ``permanent`` when retrying cannot help."""

    def __init__(self, message: str, permanent: bool):
        super().__init__(message)
        self.permanent = permanent


def email_enabled(settings: Settings) -> bool:
    return bool(settings.smtp_url and settings.email_from)


def sender_address(settings: Settings) -> str:
    """The bare address of ``EMAIL_FROM`` (``support@acme.example``)."""
    return parseaddr(settings.email_from)[1]


def new_message_id(settings: Settings) -> str:
    """A unique Message-ID in the sender's domain, so replies' ``In-Reply-To`` find their ticket."""
    return make_msgid(domain=sender_address(settings).rpartition("@")[2] or "effortless.invalid")


def enqueue(
    session: Session,
    *,
    settings: Settings,
    kind: str,
    to: str,
    subject: str,
    body: str,
    ticket_id: int | None = None,
    customer_id: int | None = None,
    in_reply_to: str | None = None,
    message_id: str | None = None,
    now: datetime | None = None,
) -> EmailMessage | None:
    """Queue an e-mail (sent by :func:`send_due`); ``None`` when e-mail is off.

    A caller that must send something at most once passes its own deterministic ``message_id``:
    the column is unique, so a second try cannot queue a second e-mail.
    """
    if not email_enabled(settings):
        return None
    message = EmailMessage(
        direction="out", kind=kind, message_id=message_id or new_message_id(settings), in_reply_to=in_reply_to,
        ticket_id=ticket_id, customer_id=customer_id, from_address=sender_address(settings), to_address=to,
        subject=subject[:300], body=body, status="pending", attempts=0, next_attempt_at=now or utcnow(),
    )
    session.add(message)
    session.flush()
    return message


def mime(settings: Settings, message: EmailMessage) -> MimeMessage:
    """The RFC 5322 message for a queued row: plain UTF-8 text, threaded by In-Reply-To/References."""
    mail = MimeMessage()
    mail["From"] = settings.email_from
    mail["To"] = message.to_address
    mail["Subject"] = message.subject
    mail["Message-ID"] = message.message_id
    mail["Date"] = message.created_at
    mail["Auto-Submitted"] = "auto-generated" if message.kind != "agent_reply" else "no"
    if message.in_reply_to:
        mail["In-Reply-To"] = message.in_reply_to
        mail["References"] = message.in_reply_to
    mail.set_content(message.body)
    return mail


def smtp_send(settings: Settings, mail: MimeMessage) -> None:
    """Hand ``mail`` to the server of ``SMTP_URL``; :class:`EmailFailed` when it will not take it."""
    url = urlsplit(settings.smtp_url)
    secure = url.scheme == "smtps"
    port = url.port or (465 if secure else 25)
    try:
        client: smtplib.SMTP = (
            smtplib.SMTP_SSL(url.hostname or "", port, timeout=SMTP_TIMEOUT_S, context=ssl.create_default_context())
            if secure else smtplib.SMTP(url.hostname or "", port, timeout=SMTP_TIMEOUT_S)
        )
        with client:
            client.ehlo()  # the server's extensions are known only after EHLO: without it STARTTLS is never seen
            if not secure and client.has_extn("starttls"):
                client.starttls(context=ssl.create_default_context())
                client.ehlo()
            if url.username:
                client.login(unquote(url.username), unquote(url.password or ""))
            client.send_message(mail)
    except smtplib.SMTPRecipientsRefused as refused:
        raise EmailFailed(f"recipient refused: {refused.recipients}", permanent=True) from refused
    except smtplib.SMTPResponseException as error:
        raise EmailFailed(f"SMTP {error.smtp_code}: {error.smtp_error!r}", permanent=500 <= error.smtp_code < 600) from error
    except (OSError, smtplib.SMTPException) as error:
        raise EmailFailed(f"SMTP server unreachable: {error}", permanent=False) from error


def send_due(settings: Settings, sessions: sessionmaker, *, now: datetime | None = None, limit: int = 50) -> int:
    """Send the queued e-mails that are due; returns how many were sent."""
    if not email_enabled(settings):
        return 0
    now = now or utcnow()
    with session_scope(sessions) as session:
        due = session.scalars(
            select(EmailMessage.id).where(EmailMessage.direction == "out", EmailMessage.status == "pending",
                                          EmailMessage.next_attempt_at <= now).order_by(EmailMessage.id).limit(limit)
        ).all()
    return sum(send_one(settings, sessions, message_id=row_id, now=now) for row_id in due)


def send_one(settings: Settings, sessions: sessionmaker, *, message_id: int, now: datetime | None = None) -> bool:
    """Send one queued e-mail now and record the outcome; whether it was sent.

    The e-mail is first claimed by moving its next attempt past the send (a conditional UPDATE), so
    two helpdesk replicas sending at the same moment never both send it.
    """
    now = now or utcnow()
    with session_scope(sessions) as session:
        claimed = rows_changed(
            session,
            update(EmailMessage)
            .where(EmailMessage.id == message_id, EmailMessage.status == "pending", EmailMessage.next_attempt_at <= now)
            .values(next_attempt_at=now + SEND_HOLD)
            .execution_options(synchronize_session=False),
        )
    if claimed != 1:
        return False
    with session_scope(sessions) as session:
        message = session.get_one(EmailMessage, message_id)
        mail = mime(settings, message)
        message.attempts += 1
        try:
            smtp_send(settings, mail)
        except EmailFailed as failed:
            message.last_error = str(failed)[:300]
            if failed.permanent or message.attempts >= MAX_ATTEMPTS:
                message.status, message.next_attempt_at = "failed", None
            else:
                message.next_attempt_at = next_attempt_at(now, message.attempts)
            return False
        message.status, message.sent_at, message.last_error = "sent", now, None
        return True

