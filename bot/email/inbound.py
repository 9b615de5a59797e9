"""Inbound e-mail: customers' replies reach their ticket, and a new e-mail opens one.

An inbound-parse service (or anything that can POST JSON) hands each received e-mail to
``POST /api/integrations/email/inbound`` (bot/helpdesk/inbound_email_api.py), signed like Stripe's
webhooks (:func:`verify_signature`). :func:`receive` then decides, in this order:

1. a Message-ID seen before is a ``duplicate`` (services retry; nothing is stored twice);
2. automatic mail is ``ignored`` and stored with the reason (:func:`ignore_reason`): answering an
   auto-reply or a bounce is how mail loops start;
3. the ticket is the one whose outbound e-mail the reply's ``In-Reply-To``/``References`` name, else
   the ``[T-1042]`` in the subject when the sender is that ticket's customer; a subject naming a
   ticket that does not match is ``ignored`` (so nobody adds lines to someone else's ticket by
   quoting a reference); a mail naming no ticket opens a new one on the conversation
   ``email:<address>``, whose customer the From address does *not* prove.

The reply's text (HTML rendered as text, quoted history cut off) becomes a customer line of the
ticket, live in the agent console; a reply to a resolved ticket reopens it.
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from pydantic import ConfigDict, Field, field_validator
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.customers.store import customer_for_conversation
from bot.db import rows_changed, utcnow
from bot.email.outbound import sender_address
from bot.helpdesk import events
from bot.helpdesk.errors import HelpdeskError, InvalidInput, Unauthorized
from bot.helpdesk.schemas import TicketCreate, TranscriptLine, _TextInput
from bot.helpdesk.text import normalize_email, one_line, truncate_with_marker, without_bidi_controls
from bot.helpdesk.ticket_rules import HelpdeskPolicy
from bot.helpdesk.tickets import create_ticket, reopen_counters
from bot.language import detect_language
from bot.models import EmailMessage, Ticket, TicketMessage
from bot.settings import Settings

log = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Effortless-Signature"
SIGNATURE_TOLERANCE = timedelta(minutes=5)
EMAIL_CONVERSATION_PREFIX = "email:"
EMAIL_CHANNEL = "email"
# A ticket in one of these takes no more lines: a reply to it opens a new ticket that names it.
FINISHED_STATUSES = ("closed", "withdrawn")
REOPENED_BY_EMAIL = "The customer reopened the ticket by replying by e-mail"
_REFERENCE_IN_SUBJECT = re.compile(r"\[(T-\d{1,12})\]", re.IGNORECASE)
_MESSAGE_ID = re.compile(r"<[^<>\s]+>")


class AttachmentTooLarge(HelpdeskError):
    status_code = 413


# ---------------------------------------------------------------- the webhook's body


class Attachment(_TextInput):
    """An attachment as the parse service describes it; the content itself is not sent or stored."""

    filename: str = Field("", max_length=500)
    content_type: str = Field("", max_length=200)
    size: int = Field(ge=0, description="bytes")


class InboundEmail(_TextInput):
    """One received e-mail, in the generic shape of inbound-parse services (SendGrid, Mailgun, Postmark…)."""

    model_config = ConfigDict(populate_by_name=True)

    from_: str = Field(alias="from", min_length=1, max_length=1000, description='"Name <address>" or an address')
    to: str = Field("", max_length=5000)
    subject: str = Field("", max_length=5000)
    text: str = Field("", description="the plain-text part")
    html: str = Field("", description="the HTML part, rendered as text when there is no plain text")
    message_id: str = Field(min_length=3, max_length=255, description="the Message-ID header; replays are stored once")
    in_reply_to: str = Field("", max_length=2000)
    references: str = Field("", max_length=20_000)
    headers: dict[str, str] = Field(default_factory=dict, description="other headers, {name: value}")
    attachments: list[Attachment] = Field(default_factory=list, max_length=100)

    @field_validator("headers")
    @classmethod
    def _case_insensitive(cls, headers: dict[str, str]) -> dict[str, str]:
        return {name.strip().lower(): value for name, value in headers.items()}

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "").strip()

    @property
    def sender(self) -> str:
        """The From address, lower-cased ("" when there is none)."""
        try:
            return normalize_email(parseaddr(self.from_)[1])
        except ValueError:
            return ""

    def thread_ids(self) -> list[str]:
        """The Message-IDs this mail answers: In-Reply-To first, then References newest first."""
        found = _MESSAGE_ID.findall(self.in_reply_to) + _MESSAGE_ID.findall(self.references)[::-1]
        return list(dict.fromkeys(found))


@dataclass(frozen=True)
class Outcome:
    """What became of one inbound e-mail: ``received`` (with its ticket), ``ignored`` (with why), ``duplicate``."""

    status: str
    ticket_reference: str | None = None
    reason: str | None = None


# ---------------------------------------------------------------- signature


def sign(secret: str, body: bytes, timestamp: int) -> str:
    """The ``X-Effortless-Signature`` value for ``body`` sent at ``timestamp`` (Unix seconds)."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp}.".encode("ascii") + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify_signature(secret: str, body: bytes, header: str, now: datetime) -> None:
    """:class:`Unauthorized` unless ``header`` is ``t=<unix>,v1=<hex>`` over this body, signed within 5 minutes.

    Several ``v1`` values are accepted (one per secret while a secret is being rotated).
    """
    parts = [part.strip().partition("=") for part in header.split(",") if part.strip()]
    timestamps = [value for key, _, value in parts if key == "t"]
    signatures = [value for key, _, value in parts if key == "v1"]
    if len(timestamps) != 1 or not signatures:
        raise Unauthorized(f"missing or malformed {SIGNATURE_HEADER} header (expected t=<unix time>,v1=<hex HMAC-SHA256>)")
    if not timestamps[0].isdigit() or abs(now.timestamp() - int(timestamps[0])) > SIGNATURE_TOLERANCE.total_seconds():
        raise Unauthorized("the signature's time is not within 5 minutes of now")
    expected = sign(secret, body, int(timestamps[0])).rpartition("v1=")[2]
    if not any(hmac.compare_digest(expected, signature) for signature in signatures):
        raise Unauthorized("the signature does not match INBOUND_EMAIL_SECRET")


# ---------------------------------------------------------------- loops and junk

_AUTO_REPLY_SUBJECTS = re.compile(
    r"^\s*(out of (the )?office|automatic reply|auto[- ]?reply|autoreply|auto:|vacation|"
    r"automatická odpověď|mimo kancelář|תשובה אוטומטית|מחוץ למשרד|رد تلقائي|رد آلي|خارج المكتب)",
    re.IGNORECASE,
)
_BULK_PRECEDENCE = frozenset({"bulk", "junk", "list", "auto_reply"})
_BOUNCE_SENDERS = frozenset({"mailer-daemon", "postmaster"})


def ignore_reason(mail: InboundEmail, own_address: str) -> str | None:
    """Why ``mail`` must not reach a ticket (automatic mail, a bounce, our own mail), else None."""
    auto_submitted = mail.header("Auto-Submitted").partition(";")[0].strip().lower()
    if auto_submitted and auto_submitted != "no":
        return f"automatic mail (Auto-Submitted: {auto_submitted[:40]})"
    precedence = mail.header("Precedence").lower()
    if precedence in _BULK_PRECEDENCE:
        return f"automatic mail (Precedence: {precedence})"
    for name in ("X-Autoreply", "X-Autorespond"):
        if name.lower() in mail.headers:
            return f"automatic mail ({name} header)"
    if _AUTO_REPLY_SUBJECTS.match(mail.subject):
        return "automatic reply (subject)"
    local_part = mail.sender.partition("@")[0]
    if (local_part in _BOUNCE_SENDERS or mail.header("Return-Path") == "<>"
            or mail.header("Content-Type").lower().startswith("multipart/report")):
        return "bounce (delivery status notification)"
    if own_address and mail.sender == own_address.lower():
        return "sent from our own address (EMAIL_FROM)"
    return None


# ---------------------------------------------------------------- HTML and quoted history


class _TextRenderer(HTMLParser):
    """HTML to plain text: paragraphs, line breaks and list items kept, links as "text (url)",
    script/style dropped, and ``<blockquote>`` lines prefixed with "> " so the quote stripper sees them."""

    _SKIPPED = frozenset({"script", "style", "head", "title", "template"})
    _PARAGRAPHS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote", "pre"})
    _LINES = frozenset({"br", "div", "tr", "li", "hr", "section", "article", "header", "footer"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._line = ""
        self._skipping = 0
        self._quote_depth = 0
        self._links: list[tuple[str, int]] = []  # (href, where the link's text starts in the line)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIPPED:
            self._skipping += 1
        elif tag in self._PARAGRAPHS:
            self._paragraph()
        elif tag == "br" or (tag in self._LINES and self._line.strip()):
            self._break()
        if tag == "blockquote":
            self._quote_depth += 1
        elif tag == "li":
            self._line = "- "
        elif tag == "a":
            self._links.append((dict(attrs).get("href") or "", len(self._line)))

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIPPED:
            self._skipping = max(0, self._skipping - 1)
        elif tag == "a" and self._links:
            href, start = self._links.pop()
            shown = self._line[start:].strip()
            if href.startswith(("http://", "https://", "mailto:")) and href.removeprefix("mailto:") != shown:
                self._line += f" ({href})" if shown else href
        if tag == "blockquote":
            self._paragraph()
            self._quote_depth = max(0, self._quote_depth - 1)
        elif tag in self._PARAGRAPHS:
            self._paragraph()
        elif tag in self._LINES and tag != "br" and self._line.strip():
            self._break()

    def handle_data(self, data: str) -> None:
        if self._skipping:
            return
        text = " ".join(data.split())
        if not text:
            if data and self._line and not self._line.endswith(" "):
                self._line += " "
            return
        if data[:1].isspace() and self._line and not self._line.endswith(" "):
            self._line += " "
        self._line += text
        if data[-1:].isspace():
            self._line += " "

    def _break(self) -> None:
        line = self._line.rstrip()
        self.lines.append(("> " * self._quote_depth) + line if line else "")
        self._line = ""

    def _paragraph(self) -> None:
        if self._line.strip():
            self._break()
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def text(self) -> str:
        self._break()
        return _tidy("\n".join(self.lines))


def html_to_text(html: str) -> str:
    """The text a reader sees in ``html`` (standard library parser; invalid HTML still gives its text)."""
    renderer = _TextRenderer()
    renderer.feed(html)
    renderer.close()
    return renderer.text()


# Where quoted history starts: "On … wrote:" and the Hebrew, Arabic and Czech forms of mail clients
# (Gmail, Outlook, Apple Mail, Thunderbird), and Outlook's forwarded-header block.
_ATTRIBUTION = re.compile(
    r"^\s*(on\b.*\bwrote:|"
    r"(dne|po|út|st|čt|pá|so|ne|\d)\b.*\bnapsal(a|\(a\))?:|.*\bodesílatel\b.*\bnapsal(a|\(a\))?:|"
    r"בתאריך\b.*:|ב.*\bכתב(/ה|ה)?:|"
    r"في\b.*\bكتب\b.*:)\s*$",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(
    r"^\s*(-{3,}\s*(original message|původní zpráva|הודעה מקורית|الرسالة الأصلية|forwarded message|"
    r"přeposlaná zpráva)\s*-{3,}|_{10,})\s*$",
    re.IGNORECASE,
)
_HEADER_FROM = re.compile(r"^\s*\**(from|od|מאת|من)\s*:\**\s*\S", re.IGNORECASE)
_HEADER_NEXT = re.compile(r"^\s*\**(sent|date|to|subject|odesláno|datum|komu|předmět|נשלח|תאריך|אל|נושא|"
                          r"تاريخ الإرسال|التاريخ|إلى|الموضوع|أرسل)\s*:", re.IGNORECASE)
_SIGNATURE_DELIMITER = "-- "


def strip_quoted(text: str) -> str:
    """The customer's own words: cut at the first attribution line ("On … wrote:"), Outlook separator
    or header block, or signature delimiter ("-- "), and without "> " quoted lines."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept: list[str] = []
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else ""
        line_seen = without_bidi_controls(line)
        if line == _SIGNATURE_DELIMITER or _SEPARATOR.match(line_seen) or _ATTRIBUTION.match(line_seen):
            break
        if line.strip().lower().startswith("on ") and following.rstrip().endswith("wrote:"):
            break  # Gmail wraps a long "On … <address> wrote:" over two lines
        if _HEADER_FROM.match(line) and _HEADER_NEXT.match(following):
            break
        if not line.lstrip().startswith(">"):
            kept.append(line)
    return _tidy("\n".join(kept))


def _tidy(text: str) -> str:
    """Trailing spaces and runs of blank lines gone; at most one blank line between paragraphs."""
    lines = [line.rstrip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def reply_text(mail: InboundEmail) -> str:
    """What the customer wrote: the plain part (else the HTML as text) without quoted history, and a
    line naming any attachments (they are not stored). :class:`InvalidInput` when nothing is left."""
    body = strip_quoted(mail.text if mail.text.strip() else html_to_text(mail.html))
    if mail.attachments:
        names = ", ".join(f"{one_line(a.filename or 'unnamed', 100)} ({_size(a.size)})" for a in mail.attachments)
        body = f"{body}\n\n[attachments not stored: {names}]".strip()
    if not body:
        raise InvalidInput("the e-mail has no text of its own (empty, or only quoted history)")
    return truncate_with_marker(body)


def _size(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{max(1, round(size / 1000))} kB"


def check_attachments(mail: InboundEmail, limit: int) -> None:
    """:class:`AttachmentTooLarge` naming the limit when an attachment is over ``limit`` bytes."""
    for attachment in mail.attachments:
        if attachment.size > limit:
            raise AttachmentTooLarge(
                f"attachment {one_line(attachment.filename or 'unnamed', 100)!r} is {attachment.size} bytes; "
                f"e-mails with attachments over {limit} bytes (MAX_EMAIL_ATTACHMENT_BYTES) are refused"
            )


# ---------------------------------------------------------------- threading and storing


def is_email_conversation(conversation_id: str) -> bool:
    """Whether a ticket's conversation is an e-mail thread: its lines cannot go to a chat, only by e-mail."""
    return conversation_id.startswith(EMAIL_CONVERSATION_PREFIX)


def thread_ticket(session: Session, mail: InboundEmail) -> tuple[Ticket | None, str | None]:
    """The ticket ``mail`` answers, and why none when it names one that does not match.

    ``(None, None)``: the mail names no ticket at all (a new request).
    """
    ids = mail.thread_ids()
    if ids:
        ticket_id = session.scalar(
            select(EmailMessage.ticket_id)
            .where(EmailMessage.message_id.in_(ids), EmailMessage.direction == "out", EmailMessage.ticket_id.is_not(None))
            .order_by(EmailMessage.id.desc())
            .limit(1)
        )
        if ticket_id is not None:
            return session.get(Ticket, ticket_id), None
    reference = _REFERENCE_IN_SUBJECT.search(mail.subject)
    if reference is None:
        return None, None
    ticket = session.scalar(select(Ticket).where(Ticket.reference == reference.group(1).upper()))
    if ticket is None or not ticket.customer_email or ticket.customer_email.lower() != mail.sender:
        return None, f"unknown reference {reference.group(1).upper()} for this sender"
    return ticket, None


def receive(
    session: Session, *, mail: InboundEmail, settings: Settings, policy: HelpdeskPolicy, now: datetime | None = None
) -> Outcome:
    """Store ``mail`` once and put its text on the right ticket (see the module docstring); commits."""
    now = now or utcnow()
    message_id = mail.message_id.strip()
    if _already_stored(session, message_id):
        return Outcome("duplicate")
    if not mail.sender:
        raise InvalidInput(f"'from' has no e-mail address: {one_line(mail.from_, 80)!r}")
    check_attachments(mail, settings.max_email_attachment_bytes)
    reason = ignore_reason(mail, sender_address(settings))
    ticket = None
    if reason is None:
        ticket, reason = thread_ticket(session, mail)
    if reason is not None:
        log.info("inbound e-mail %s from %s ignored: %s", message_id, mail.sender, reason)
        return _store(session, mail, message_id, "ignored", None, now, reason=reason) or Outcome("ignored", reason=reason)
    text = reply_text(mail)
    if ticket is None or ticket.status in FINISHED_STATUSES:
        return _new_ticket(session, mail, message_id, text, policy, now, follows=ticket)
    stored = _store(session, mail, message_id, "received", ticket, now)
    if stored is not None:
        return stored
    if ticket.status == "resolved":
        reopen_by_customer(session, ticket=ticket, now=now)
    _append(session, ticket, text, now)
    return Outcome("received", ticket.reference)


def _already_stored(session: Session, message_id: str) -> bool:
    return session.scalar(select(EmailMessage.id).where(EmailMessage.message_id == message_id)) is not None


def _store(
    session: Session, mail: InboundEmail, message_id: str, status: str, ticket: Ticket | None, now: datetime,
    reason: str | None = None, customer_id: int | None = None,
) -> Outcome | None:
    """Log the mail in ``email_messages``; an :class:`Outcome` ``duplicate`` when a replay raced us there."""
    session.add(EmailMessage(
        direction="in", kind="reply", message_id=message_id, in_reply_to=next(iter(mail.thread_ids()), None),
        ticket_id=ticket.id if ticket else None, customer_id=ticket.customer_id if ticket else customer_id,
        from_address=mail.sender[:254], to_address=(getaddresses([mail.to])[0][1] if mail.to else "")[:254],
        subject=one_line(mail.subject, 300), body=truncate_with_marker(mail.text or mail.html),
        status=status, attempts=0, last_error=reason[:300] if reason else None, created_at=now,
    ))
    try:
        session.flush()
    except IntegrityError:
        session.rollback()
        return Outcome("duplicate")
    if status == "ignored":
        session.commit()
    return None


def reopen_by_customer(session: Session, *, ticket: Ticket, now: datetime) -> bool:
    """The customer answered a resolved ticket: it goes back to its agent (to the queue when that agent
    is gone), as an agent's reopen would, with a system line saying who reopened it. Nothing is sent
    to the chat: the customer chose e-mail. False when the ticket was no longer resolved."""
    back_to_agent = ticket.assignee is not None and ticket.assignee.is_active
    changed = rows_changed(
        session,
        update(Ticket)
        .where(Ticket.id == ticket.id, Ticket.status == "resolved")
        .values(status="assigned" if back_to_agent else "waiting", assignee_id=ticket.assignee_id if back_to_agent else None,
                resolved_at=None, updated_at=now, **reopen_counters(now))
        .execution_options(synchronize_session=False),
    )
    session.refresh(ticket)
    if changed != 1:
        return False
    line = TicketMessage(ticket=ticket, author_type="system", body=REOPENED_BY_EMAIL, created_at=now)
    session.add(line)
    events.record(session, kind="ticket_reopened", ticket=ticket, message=line)
    return True


def _append(session: Session, ticket: Ticket, text: str, now: datetime) -> None:
    line = TicketMessage(ticket=ticket, author_type="customer", body=text, created_at=now)
    session.add(line)
    ticket.updated_at = now
    events.record(session, kind="message_created", ticket=ticket, message=line)
    session.commit()


def _new_ticket(
    session: Session, mail: InboundEmail, message_id: str, text: str, policy: HelpdeskPolicy, now: datetime,
    follows: Ticket | None,
) -> Outcome:
    """A ticket on ``email:<address>`` (or that conversation's open one, which the text joins)."""
    conversation_id = EMAIL_CONVERSATION_PREFIX + mail.sender
    language = detect_language(f"{mail.subject}\n{text}")
    customer = customer_for_conversation(session, conversation_id=conversation_id, channel=EMAIL_CHANNEL,
                                         language=language, now=now)
    stored = _store(session, mail, message_id, "received", None, now, customer_id=customer.id)
    if stored is not None:
        return stored
    name = parseaddr(mail.from_)[0]
    subject = _REFERENCE_IN_SUBJECT.sub("", re.sub(r"^\s*((re|fwd?|odp|aw)\s*:\s*)+", "", mail.subject, flags=re.I))
    description = f"Follow-up to {follows.reference} ({follows.status}).\n\n{text}" if follows else text
    data = TicketCreate(
        idempotency_key=f"email:{hashlib.sha256(message_id.encode()).hexdigest()}",
        conversation_id=conversation_id, channel=EMAIL_CHANNEL, language=language,
        customer_name=name or None, customer_email=mail.sender, subject=subject, description=description,
        reason="customer_request", transcript=[TranscriptLine(author="customer", text=text, timestamp=now)],
    )
    ticket, created = create_ticket(session, data=data, policy=policy, now=now)
    email_row = session.scalar(select(EmailMessage).where(EmailMessage.message_id == message_id))
    if email_row is not None:
        email_row.ticket_id = ticket.id
    if ticket.customer_id is None:
        ticket.customer_id = customer.id
    if not created:
        _append(session, ticket, text, now)
    session.commit()
    return Outcome("received", ticket.reference)
