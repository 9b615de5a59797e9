"""Proving an e-mail address with a one-time code, and who may see which tickets.

A customer who asks about the tickets of an e-mail address gets a 6-digit code sent to it; typing
it back in the chat proves the address is theirs (:func:`check_code` links it with proof ``code``,
which merges their record into the one that proved it before). Only a keyed SHA-256 of each code is
stored, so a copy of the database cannot be used to verify anything. Codes are limited per
conversation and per address, so neither a chat nor an inbox can be flooded, and 5 wrong answers
spend a code, so guessing 6 digits is hopeless.
"""
from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from bot.customers.identity import customer_of_conversation, is_verified
from bot.customers.store import link_proven_email
from bot.db import utcnow
from bot.email.outbound import enqueue
from bot.escalation.details import clean_email
from bot.models import VerificationCode
from bot.settings import Settings

CODE_DIGITS = 6
CODE_LIFETIME = timedelta(minutes=10)
MAX_WRONG_ANSWERS = 5
CODES_PER_CONVERSATION = (3, timedelta(minutes=15))
CODES_PER_ADDRESS = (5, timedelta(hours=1))
# Digits typed in groups ("482 915", "482-915") are one code.
_DIGIT_GROUPS = re.compile(r"\d+(?:[ \-\u00a0]\d+)*")
# Sentence punctuation right after a word ("… for noa@example.com?"), which is no part of an address.
_TRAILING_PUNCTUATION = re.compile(r"[?!.,;:؟،]+(?=\s|$)")

CheckOutcome = Literal["verified", "wrong", "used_up", "expired", "no_code", "not_a_code"]


class TooManyCodes(Exception):
    """The conversation or the address had its share of codes; ``wait_minutes`` until the next one."""

    def __init__(self, scope: Literal["conversation", "address"], wait_minutes: int):
        super().__init__(f"too many codes for this {scope}: wait {wait_minutes} min")
        self.scope, self.wait_minutes = scope, wait_minutes


@dataclass(frozen=True)
class IssuedCode:
    code: str
    email_message_id: int


@dataclass(frozen=True)
class CodeCheck:
    outcome: CheckOutcome
    tries_left: int = 0
    email: str | None = None


@dataclass(frozen=True)
class TicketViewer:
    """Whose tickets a conversation may see: its customer's (``verified_email`` only once proven)."""

    customer_id: int
    verified: bool
    verified_email: str | None


def code_in(text: str | None) -> str | None:
    """The 6-digit code in a customer's answer, in any script's digits ("٤٨٢٩١٥", "482 915"), else None."""
    runs = [re.sub(r"\D", "", run) for run in _DIGIT_GROUPS.findall(text or "")]
    codes = [run for run in runs if len(run) == CODE_DIGITS]
    if len(codes) != 1 or len(runs) != 1:
        return None
    return "".join(str(unicodedata.digit(digit)) for digit in codes[0])


def address_in(text: str | None) -> str | None:
    """The one e-mail address in a customer's message, lower-cased, even at the end of a sentence."""
    email = clean_email(_TRAILING_PUNCTUATION.sub(" ", text or ""))
    return email.lower() if email else None


def code_digest(settings: Settings, code: str) -> str:
    """The stored form of a code: HMAC-SHA256 keyed with a server secret (a pepper), never the code."""
    return hmac.new(settings.session_secret.encode(), code.encode(), hashlib.sha256).hexdigest()


def ticket_viewer(
    session: Session, *, conversation_id: str, channel: str, language: str, metadata: Mapping[str, Any] | None = None
) -> TicketViewer:
    customer = customer_of_conversation(
        session, conversation_id=conversation_id, channel=channel, language=language, metadata=metadata)
    return TicketViewer(customer_id=customer.id, verified=is_verified(customer), verified_email=customer.email)


def issue_code(
    session: Session,
    *,
    settings: Settings,
    conversation_id: str,
    email: str,
    language: str,
    customer_id: int | None = None,
    now: datetime | None = None,
) -> IssuedCode:
    """A new code for ``email``, queued to it by e-mail; older codes of the conversation are spent.

    Raises:
        TooManyCodes: the conversation or the address reached its limit.
        RuntimeError: e-mail is off (the bot must not offer a code then).
    """
    now = now or utcnow()
    email = email.strip().lower()
    _check_limit(session, "conversation", VerificationCode.conversation_id == conversation_id, CODES_PER_CONVERSATION, now)
    _check_limit(session, "address", VerificationCode.email == email, CODES_PER_ADDRESS, now)
    session.execute(
        update(VerificationCode)
        .where(VerificationCode.conversation_id == conversation_id, VerificationCode.spent_at.is_(None))
        .values(spent_at=now)
    )
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    session.add(VerificationCode(conversation_id=conversation_id, email=email, code_hash=code_digest(settings, code),
                                 attempts=0, expires_at=now + CODE_LIFETIME, created_at=now))
    subject, body = code_email(language, code, settings.company_name)
    message = enqueue(session, settings=settings, kind="verification", to=email, subject=subject, body=body,
                      customer_id=customer_id, now=now)
    if message is None:  # rolls the code back with the transaction
        raise RuntimeError("e-mail is off: no verification code can be sent")
    return IssuedCode(code=code, email_message_id=message.id)


def _check_limit(session: Session, scope: Literal["conversation", "address"], which, limit: tuple[int, timedelta],
                 now: datetime) -> None:
    count, window = limit
    recent = select(VerificationCode.created_at).where(which, VerificationCode.created_at > now - window)
    issued = session.scalar(select(func.count()).select_from(recent.subquery())) or 0
    if issued >= count:
        oldest = session.scalar(select(func.min(recent.subquery().c.created_at)))
        wait = (oldest + window - now).total_seconds() if oldest else window.total_seconds()
        raise TooManyCodes(scope, max(1, math.ceil(wait / 60)))


def check_code(
    session: Session,
    *,
    settings: Settings,
    conversation_id: str,
    answer: str,
    channel: str,
    language: str,
    metadata: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> CodeCheck:
    """Check the customer's answer against the conversation's latest code.

    The right code proves its address: it is linked to the conversation's customer (proof ``code``).
    A wrong one counts; the fifth spends the code. An answer without a 6-digit code is not counted.
    """
    now = now or utcnow()
    latest = session.scalar(
        select(VerificationCode).where(VerificationCode.conversation_id == conversation_id)
        .order_by(VerificationCode.id.desc()).limit(1)
    )
    if latest is None:
        return CodeCheck("no_code")
    if latest.spent_at is not None:
        return CodeCheck("used_up" if latest.attempts >= MAX_WRONG_ANSWERS else "no_code", email=latest.email)
    if latest.expires_at <= now:
        latest.spent_at = now
        return CodeCheck("expired", email=latest.email)
    code = code_in(answer)
    if code is None:
        return CodeCheck("not_a_code", tries_left=MAX_WRONG_ANSWERS - latest.attempts, email=latest.email)
    if hmac.compare_digest(code_digest(settings, code), latest.code_hash):
        latest.spent_at = now
        customer = customer_of_conversation(
            session, conversation_id=conversation_id, channel=channel, language=language, metadata=metadata)
        link_proven_email(session, customer=customer, email=latest.email, proof="code")
        return CodeCheck("verified", email=latest.email)
    latest.attempts += 1
    if latest.attempts >= MAX_WRONG_ANSWERS:
        latest.spent_at = now
        return CodeCheck("used_up", email=latest.email)
    return CodeCheck("wrong", tries_left=MAX_WRONG_ANSWERS - latest.attempts, email=latest.email)


_CODE_EMAIL = {
    "en": ("{company}: your verification code",
           "Your code is {code}.\n\n"
           "Type it in the chat to confirm that this e-mail address is yours. It is valid for {minutes} minutes.\n\n"
           "If you did not ask for it, you can ignore this e-mail: nothing changes without the code."),
    "he": ("{company}: קוד האימות שלך",
           "הקוד שלך: {code}\n\n"
           "יש להקליד אותו בצ'אט כדי לאשר שכתובת המייל הזו שלך. הקוד תקף ל-{minutes} דקות.\n\n"
           "אם לא ביקשת קוד, אפשר פשוט להתעלם מהמייל הזה. בלי הקוד שום דבר לא משתנה."),
    "ar": ("{company}: رمز التحقق الخاص بك",
           "رمزك هو: {code}\n\n"
           "اكتبه في المحادثة لتأكيد أن عنوان البريد الإلكتروني هذا يخصك. الرمز صالح لمدة {minutes} دقائق.\n\n"
           "إذا لم تطلب هذا الرمز، يمكنك تجاهل هذه الرسالة، فلن يتغيّر شيء من دون الرمز."),
    "cs": ("{company}: váš ověřovací kód",
           "Váš kód je {code}.\n\n"
           "Zadejte ho do chatu, abyste potvrdili, že tato e-mailová adresa patří vám. Kód platí {minutes} minut.\n\n"
           "Pokud jste o kód nežádali, tento e-mail můžete ignorovat: bez kódu se nic nezmění."),
}


def code_email(language: str, code: str, company: str) -> tuple[str, str]:
    """Subject and body of the code e-mail in the customer's language (English for others)."""
    subject, body = _CODE_EMAIL.get(language, _CODE_EMAIL["en"])
    minutes = int(CODE_LIFETIME.total_seconds() // 60)
    return subject.format(company=company), body.format(code=code, minutes=minutes)
