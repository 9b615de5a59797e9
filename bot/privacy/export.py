"""Everything held about one customer, as JSON (a data-subject access request, GDPR art. 15 and 20).

Rows are given with all their columns, so a column added later is exported without a change
here. Agents are named by id only: their accounts are staff data, not the customer's.
"""
from __future__ import annotations

import base64
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db import utcnow
from bot.models import (
    Base,
    Conversation,
    Customer,
    CustomerIdentity,
    EmailMessage,
    EscalationRequest,
    HelpdeskEvent,
    KbQuery,
    Resolution,
    SurveyRating,
    Ticket,
    TicketMessage,
    VerificationCode,
    ZendeskTicket,
)
from bot.privacy.locate import Footprint, with_merged_records
from bot.privacy.trackers import TrackerStore

EXPORT_FORMAT_VERSION = 1


def _jsonable(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def row_as_dict(row: Base) -> dict[str, Any]:
    """Every column of a model instance, JSON-ready."""
    return {column.key: _jsonable(getattr(row, column.key)) for column in row.__mapper__.column_attrs}


def _rows(session: Session, model: type[Base], column, values: Sequence[Any]) -> list[dict[str, Any]]:
    if not values:
        return []
    primary_key = model.__mapper__.primary_key[0]
    rows = session.scalars(select(model).where(column.in_(list(values))).order_by(primary_key))
    return [row_as_dict(row) for row in rows]


def export(session: Session, trackers: TrackerStore, footprint: Footprint) -> dict[str, Any]:
    """The customer's data, grouped by where it is stored."""
    conversations, ticket_ids = footprint.conversation_ids, footprint.ticket_ids
    messages = _rows(session, TicketMessage, TicketMessage.ticket_id, ticket_ids)
    tickets = _rows(session, Ticket, Ticket.id, ticket_ids)
    for ticket in tickets:
        ticket["messages"] = [message for message in messages if message["ticket_id"] == ticket["id"]]
    customer_ids = sorted(with_merged_records(session, footprint.customer_ids))
    emails = {row["id"]: row for row in _rows(session, EmailMessage, EmailMessage.ticket_id, ticket_ids)
              + _rows(session, EmailMessage, EmailMessage.customer_id, customer_ids)}
    return {
        "format_version": EXPORT_FORMAT_VERSION,
        "subject": {"email": footprint.subject.email, "conversation_id": footprint.subject.conversation_id},
        "exported_at": utcnow().isoformat(timespec="seconds"),
        "conversations": list(conversations),
        "tickets": tickets,
        "escalation_requests": _rows(session, EscalationRequest, EscalationRequest.conversation_id, conversations),
        "kb_queries": _rows(session, KbQuery, KbQuery.conversation_id, conversations),
        "resolutions": _rows(session, Resolution, Resolution.conversation_id, conversations),
        "survey_ratings": _rows(session, SurveyRating, SurveyRating.conversation_id, conversations),
        "zendesk_tickets": _rows(session, ZendeskTicket, ZendeskTicket.conversation_id, conversations),
        "helpdesk_events": _rows(session, HelpdeskEvent, HelpdeskEvent.ticket_id, ticket_ids),
        "customers": _rows(session, Customer, Customer.id, customer_ids),
        "customer_identities": _rows(session, CustomerIdentity, CustomerIdentity.customer_id, customer_ids),
        "conversation_records": _rows(session, Conversation, Conversation.id, conversations),
        "verification_codes": _rows(session, VerificationCode, VerificationCode.conversation_id, conversations),
        "email_messages": [emails[key] for key in sorted(emails)],
        "rasa_tracker_events": trackers.events_of(conversations),
    }
