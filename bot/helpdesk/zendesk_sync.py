"""Zendesk agents answer in the customer's own chat (``TICKET_BACKEND=zendesk`` with a webhook).

Zendesk calls ``POST /api/integrations/zendesk/webhook`` from a trigger on ticket updates, signed
with the webhook's secret. The body only has to name the ticket: what to show the customer is read
back from Zendesk's Tickets API, so a retried, late or lost webhook can neither repeat nor skip a
reply. Each ticket keeps a cursor in ``zendesk_tickets`` (last comment delivered, last status
seen); a sync sends everything after it, in order, as the same external intents the built-in
helpdesk uses (``EXTERNAL_agent_message``, ``EXTERNAL_ticket_resolved``,
``EXTERNAL_ticket_reopened``), and advances the cursor only after Rasa accepted each one. A ticket
Rasa could not take stays flagged and is synced again by the app's retry loop.

Only agents' public comments are shown: internal notes, the customer's own e-mail replies and the
comments the bot itself posted (relayed chat lines, by the API user) are not.

Each sync also brings the ticket's local record (:mod:`bot.helpdesk.zendesk_records`) up to date
before the chat hears of it: first reply, solved (with the :class:`~bot.models.Resolution` whose id
goes with ``EXTERNAL_ticket_resolved``, so the bot asks the survey as after a built-in resolution),
reopened, closed, withdrawn.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import sessionmaker

from bot.db import rows_changed, session_scope, utcnow
from bot.helpdesk import zendesk_records
from bot.helpdesk.backends import WITHDRAWN_TAG, conversation_from_escalation_key, zendesk_api, zendesk_ticket
from bot.helpdesk.client import HelpdeskRejected, HelpdeskUnavailable
from bot.helpdesk.errors import HelpdeskError, Unauthorized
from bot.helpdesk.rasa_bridge import DeliveryFailed, RasaBridge
from bot.models import ZendeskTicket
from bot.settings import Settings

log = logging.getLogger(__name__)

# A signed request older (or newer) than this is refused, so a captured one cannot be replayed later.
SIGNATURE_MAX_AGE = timedelta(minutes=5)
CLOSED_STATUSES = frozenset({"solved", "closed"})
SYNC_LEASE = timedelta(minutes=2)


def verify_signature(secret: str, body: bytes, signature: str, timestamp: str, now: datetime) -> None:
    """Zendesk signs ``base64(HMAC-SHA256(secret, timestamp + body))``; :class:`Unauthorized` unless it
    matches and is fresh."""
    if not signature or not timestamp:
        raise Unauthorized("missing X-Zendesk-Webhook-Signature or X-Zendesk-Webhook-Signature-Timestamp")
    try:
        signed_at = datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    except ValueError:
        raise Unauthorized("the signature timestamp is not an ISO 8601 time") from None
    if signed_at.tzinfo is None or abs(now - signed_at) > SIGNATURE_MAX_AGE:
        raise Unauthorized("the signature timestamp is not within 5 minutes of now")
    expected = base64.b64encode(
        hmac.new(secret.encode("utf-8"), timestamp.encode("utf-8") + body, hashlib.sha256).digest()
    ).decode("ascii")
    if not hmac.compare_digest(expected, signature.strip()):
        raise Unauthorized("the signature does not match this webhook's signing secret")


def ticket_id_from_body(body: bytes) -> int:
    """The ticket the webhook is about: ``{"ticket_id": 123}`` (number or digits, as placeholders render)."""
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, ValueError):
        payload = None
    value = payload.get("ticket_id") if isinstance(payload, dict) else None
    text = str(value).strip() if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    if not text.isdigit() or not 0 < int(text) < 2**63:
        raise HelpdeskError('the body must be JSON like {"ticket_id": "{{ticket.id}}"}')
    return int(text)


@dataclass(frozen=True)
class ChatLine:
    """One thing to show in the customer's chat, and the cursor position it moves to once shown."""

    intent: str
    entities: dict[str, str]
    comment_id: int | None = None
    status: str | None = None


class ZendeskReader:
    """The reads a sync needs from Zendesk's API: the ticket, its comments with authors, who we are."""

    def __init__(self, settings: Settings):
        self._service = zendesk_api(settings)
        self._own_user_id: int | None = None

    def ticket(self, ticket_id: int) -> dict | None:
        return zendesk_ticket(self._service, ticket_id)

    def own_user_id(self) -> int:
        """The API user's id: comments it wrote are the bot's relayed chat lines."""
        if self._own_user_id is None:
            self._own_user_id = int(self._service.json(self._service.send("GET", "/users/me.json"))["user"]["id"])
        return self._own_user_id

    def comments(self, ticket_id: int) -> Iterator[dict]:
        """Every comment, oldest first, each with ``author`` (name, role) from the sideloaded users."""
        path = f"/tickets/{ticket_id}/comments.json?include=users&sort_order=asc"
        while path:
            page = self._service.json(self._service.send("GET", path))
            users = {user["id"]: user for user in page.get("users") or []}
            for comment in page.get("comments") or []:
                yield dict(comment, author=users.get(comment.get("author_id"), {}))
            path = _api_path(page.get("next_page") or "")


def _api_path(url: str) -> str:
    """``next_page`` is an absolute URL (on whatever host name Zendesk uses): keep what follows /api/v2."""
    parts = urlsplit(url)
    _, found, path = parts.path.partition("/api/v2")
    if not found:
        return ""
    return f"{path}?{parts.query}" if parts.query else path


def _reply_text(comment: dict) -> str:
    """The comment's plain text, then a link per attachment (the links Zendesk's own e-mails carry)."""
    files = [
        f"📎 {attachment.get('file_name') or 'attachment'}: {attachment['content_url']}"
        for attachment in comment.get("attachments") or []
        if attachment.get("content_url")
    ]
    return "\n".join([(comment.get("plain_body") or comment.get("body") or "").strip(), *files]).strip()


def agent_reply(comment: dict, own_user_id: int) -> str:
    """The text an agent's public comment shows the customer; empty for anything else."""
    if (
        comment.get("public")
        and comment.get("author_id") != own_user_id
        and comment["author"].get("role") in ("agent", "admin")
    ):
        return _reply_text(comment)
    return ""


def chat_lines(
    ticket: dict, comments: list[dict], own_user_id: int, cursor: ZendeskTicket, resolution_id: int | None = None
) -> list[ChatLine]:
    """What the customer has not seen yet: agents' new public comments, then a change of status (a
    solve with its ``resolution_id``, for the survey)."""
    reference = f"#{ticket['id']}"
    lines = [
        ChatLine(  # an agent without a name is named by the action server, in the customer's language
            "EXTERNAL_agent_message",
            {"agent_message": text, "agent_name": c["author"].get("name") or ""},
            comment_id=int(c["id"]),
        )
        for c in comments
        if int(c["id"]) > cursor.last_comment_id and (text := agent_reply(c, own_user_id))
    ]
    status = ticket.get("status") or ""
    was_closed = (cursor.last_status or "") in CLOSED_STATUSES
    withdrawn = WITHDRAWN_TAG in (ticket.get("tags") or ())  # the customer left: nobody to hand back to
    if status in CLOSED_STATUSES and not was_closed and not withdrawn:
        resolved = {"ticket_reference": reference}
        if resolution_id is not None:
            resolved["resolution_id"] = str(resolution_id)
        lines.append(ChatLine("EXTERNAL_ticket_resolved", resolved, status=status))
    elif status not in CLOSED_STATUSES and was_closed:
        lines.append(ChatLine("EXTERNAL_ticket_reopened", {"ticket_reference": reference}, status=status))
    return lines


class ZendeskSync:
    """Brings Zendesk agents' replies to the chat; one per helpdesk process, safe across replicas."""

    def __init__(self, settings: Settings, session_factory: sessionmaker, bridge: RasaBridge):
        self.secret = settings.zendesk_webhook_secret
        self._reader = ZendeskReader(settings)
        self._sessions = session_factory
        self._bridge = bridge

    def note_change(self, ticket_id: int) -> None:
        """Flag the ticket for a sync (the webhook's only write: cheap, and safe to repeat).

        Two replicas may see the first webhook of a ticket at once: the second insert loses the
        race on the primary key and flags the row the first one made.
        """
        flag = update(ZendeskTicket).where(ZendeskTicket.zendesk_id == ticket_id).values(needs_sync=True)
        with session_scope(self._sessions) as session:
            if rows_changed(session, flag) == 1:
                return
        try:
            with session_scope(self._sessions) as session:
                session.add(ZendeskTicket(zendesk_id=ticket_id, needs_sync=True))
        except IntegrityError:
            with session_scope(self._sessions) as session:
                session.execute(flag)

    def sync_pending(self) -> int:
        """Sync every flagged ticket. A ticket whose chat cannot take a line now waits alone; only
        Zendesk itself being unreachable stops the round (every other ticket would fail the same way)."""
        with session_scope(self._sessions) as session:
            flagged = list(session.scalars(select(ZendeskTicket.zendesk_id).where(ZendeskTicket.needs_sync.is_(True))))
        synced = 0
        for ticket_id in flagged:
            try:
                synced += self._sync(ticket_id)
            except HelpdeskUnavailable:
                break
        return synced

    def sync(self, ticket_id: int) -> bool:
        """Show the customer what changed on the ticket; False when it must be tried again later."""
        try:
            return self._sync(ticket_id)
        except HelpdeskUnavailable:
            return False

    def _sync(self, ticket_id: int) -> bool:
        """:meth:`sync`, raising :class:`HelpdeskUnavailable` when Zendesk cannot be reached."""
        lease_until = self._acquire(ticket_id)
        if lease_until is None:
            return True  # another worker is on it (and clears the flag only when it is caught up)
        caught_up = False
        try:
            caught_up = self._sync_leased(ticket_id)
        except (HelpdeskUnavailable, DeliveryFailed) as exc:
            log.warning("Zendesk ticket %s: replies not brought to the chat yet, will retry: %s", ticket_id, exc)
            if isinstance(exc, HelpdeskUnavailable):
                raise
        finally:
            self._release(ticket_id, lease_until, caught_up)
        return caught_up

    def _sync_leased(self, ticket_id: int) -> bool:
        try:
            ticket = self._reader.ticket(ticket_id)
        except HelpdeskRejected as exc:
            log.error("Zendesk ticket %s cannot be read (check ZENDESK_* settings): %s", ticket_id, exc)
            return False
        conversation_id = conversation_from_escalation_key(ticket.get("external_id") or "") if ticket is not None else None
        if ticket is None or conversation_id is None:
            return True  # not one of the bot's tickets (or gone): nothing to bring to a chat
        with session_scope(self._sessions) as session:
            cursor = session.get_one(ZendeskTicket, ticket_id)  # the row our lease is on
            session.expunge(cursor)
        own_user_id = self._reader.own_user_id()
        comments = list(self._reader.comments(ticket_id))
        resolution_id = self._record(ticket, conversation_id, comments, own_user_id)
        for line in chat_lines(ticket, comments, own_user_id, cursor, resolution_id):
            try:
                self._bridge.trigger_intent(conversation_id, line.intent, line.entities)
            except DeliveryFailed as failure:
                if not failure.permanent:
                    raise
                log.error("Zendesk ticket %s: Rasa refused %s for good, skipped: %s", ticket_id, line.intent, failure)
            self._advance(ticket_id, conversation_id, line)
        return True

    def _record(self, ticket: dict, conversation_id: str, comments: list[dict], own_user_id: int) -> int | None:
        """Bring the ticket's local record up to date (made from Zendesk's ticket if it has none); the id
        of its current resolution when solved."""
        first_reply = next((c for c in comments if agent_reply(c, own_user_id)), None)
        first_reply_at = zendesk_records.zendesk_time(first_reply.get("created_at")) if first_reply else None
        with session_scope(self._sessions) as session:
            row = zendesk_records.local_ticket(session, idempotency_key=ticket["external_id"])
            if row is None:
                row = zendesk_records.record_from_zendesk(session, zendesk_ticket=ticket, conversation_id=conversation_id)
            return zendesk_records.follow(session, ticket=row, zendesk_ticket=ticket, first_reply_at=first_reply_at)

    def _advance(self, ticket_id: int, conversation_id: str, line: ChatLine) -> None:
        with session_scope(self._sessions) as session:
            row = session.get_one(ZendeskTicket, ticket_id)
            row.conversation_id = conversation_id
            if line.comment_id is not None:
                row.last_comment_id = line.comment_id
            if line.status is not None:
                row.last_status = line.status
            row.sync_lease_until = utcnow() + SYNC_LEASE

    def _acquire(self, ticket_id: int) -> datetime | None:
        now = utcnow()
        until = now + SYNC_LEASE
        free = ZendeskTicket.sync_lease_until.is_(None) | (ZendeskTicket.sync_lease_until < now)
        with session_scope(self._sessions) as session:
            taken = rows_changed(
                session,
                update(ZendeskTicket)
                .where(ZendeskTicket.zendesk_id == ticket_id, free)
                .values(sync_lease_until=until, needs_sync=False)
                .execution_options(synchronize_session=False),
            )
        return until if taken == 1 else None

    def _release(self, ticket_id: int, lease_until: datetime, caught_up: bool) -> None:
        """Let go; a ticket not caught up is flagged again (a webhook during the sync flags it too)."""
        values: dict[str, datetime | bool | None] = {"sync_lease_until": None}
        if not caught_up:
            values["needs_sync"] = True
        with session_scope(self._sessions) as session:
            session.execute(
                update(ZendeskTicket)
                .where(ZendeskTicket.zendesk_id == ticket_id)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
