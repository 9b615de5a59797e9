"""Customers in the agent API: search, a customer's page, a ticket's customer, merging two records.

Any logged-in agent may merge two records when they are sure they are one person: the reason is
required and every merge is kept in the audit (``GET /api/customers/{id}/merges``) and logged.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.customers import history
from bot.customers.store import MergeRefused, current, merge_customers
from bot.helpdesk import tickets
from bot.helpdesk.accounts import MAX_DB_ID
from bot.helpdesk.auth import SessionReleasingRoute, current_agent, db_session
from bot.helpdesk.customer_schemas import (
    CustomerDetail,
    CustomerSummary,
    HistoryEntryOut,
    IdentityOut,
    MergeOut,
    MergeRequest,
    TicketCustomer,
)
from bot.helpdesk.errors import Conflict, InvalidInput, NotFound
from bot.helpdesk.schemas import BAD_BODY, NEEDS_LOGIN, AgentRef, error_responses
from bot.helpdesk.text import clean_text
from bot.models import Agent, Conversation, Customer, CustomerMerge, Ticket

log = logging.getLogger(__name__)

router = APIRouter(
    prefix="/api",
    route_class=SessionReleasingRoute,
    tags=["customers"],
    responses=error_responses({**BAD_BODY, **NEEDS_LOGIN}),
)
UNKNOWN_CUSTOMER = error_responses({404: "unknown customer"})
# The ticket view lists this many of the customer's other tickets and conversations; the customer page has all.
OTHERS_IN_TICKET_VIEW = 10


@router.get("/customers", response_model=list[CustomerSummary])
def search_customers(
    query: str = Query(min_length=1, max_length=200, description="part of a name, e-mail, phone or identity, or an id"),
    _: Agent = Depends(current_agent),
    db: Session = Depends(db_session),
):
    """Customer records matching ``query`` (merged-away records show as the record they went to), last seen first."""
    return [summary(db, customer) for customer in history.search(db, clean_text(query))]


@router.get("/customers/{customer_id}", response_model=CustomerDetail, responses=UNKNOWN_CUSTOMER)
def get_customer(customer_id: int, _: Agent = Depends(current_agent), db: Session = Depends(db_session)):
    """The record, how it is known on each channel and by what proof, and every ticket and conversation,
    newest first. A record merged into another answers with that one (``redirected_from`` says so)."""
    stored = find_customer(db, customer_id)
    customer = current(db, stored)
    return CustomerDetail(
        **summary(db, customer).model_dump(),
        redirected_from=stored.id if stored.id != customer.id else None,
        identities=[IdentityOut.model_validate(identity) for identity in history.identities(db, customer)],
        history=[HistoryEntryOut.model_validate(entry) for entry in history.history(db, customer)],
    )


@router.get(
    "/tickets/{ticket_id}/customer",
    response_model=TicketCustomer,
    responses=error_responses({404: "unknown ticket"}),
)
def ticket_customer(ticket_id: int, _: Agent = Depends(current_agent), db: Session = Depends(db_session)):
    """The ticket's customer and their other tickets and conversations on every channel (newest first,
    at most ten here; ``more`` counts the rest, which the customer page lists)."""
    ticket = tickets.get_ticket(db, ticket_id=ticket_id)
    customer = _customer_of(db, ticket)
    if customer is None:
        return TicketCustomer(customer=None, others=[], more=0)
    others = history.history(db, customer, exclude_ticket_id=ticket.id, exclude_conversation_id=ticket.conversation_id)
    return TicketCustomer(
        customer=summary(db, customer),
        others=[HistoryEntryOut.model_validate(entry) for entry in others[:OTHERS_IN_TICKET_VIEW]],
        more=max(0, len(others) - OTHERS_IN_TICKET_VIEW),
    )


@router.post(
    "/customers/{customer_id}/merge",
    response_model=MergeOut,
    status_code=201,
    responses=error_responses({
        404: "unknown customer (either record)",
        409: "both ids already are one record",
        422: "no reason given, or a record merged with itself",
    }),
)
def merge(
    customer_id: int, data: MergeRequest, agent: Agent = Depends(current_agent), db: Session = Depends(db_session)
):
    """Merge ``other_id`` into this customer: its identities, conversations, tickets and e-mails move here,
    and it points here from now on. Any agent may; the reason is kept in the audit."""
    if data.other_id == customer_id:
        raise InvalidInput("a customer cannot be merged with itself: choose another record")
    kept = find_customer(db, customer_id)
    merged = find_customer(db, data.other_id, what="the other customer")
    try:
        audit = merge_customers(db, kept=kept, merged=merged, agent_id=agent.id, reason=data.reason)
    except MergeRefused:
        raise Conflict(
            f"customers {customer_id} and {data.other_id} are already one record ({current(db, kept).id})"
        ) from None
    db.commit()
    log.info(
        "agent %s merged customer %s into customer %s: %s",
        agent.id, audit.merged_customer_id, audit.kept_customer_id, audit.details,
    )
    return merge_view(audit, agent)


@router.get("/customers/{customer_id}/merges", response_model=list[MergeOut], responses=UNKNOWN_CUSTOMER)
def list_merges(customer_id: int, _: Agent = Depends(current_agent), db: Session = Depends(db_session)):
    """The merge audit of this record (and of the records merged into it), newest first."""
    customer = current(db, find_customer(db, customer_id))
    audits = history.merges(db, customer)
    agent_ids = {audit.agent_id for audit in audits if audit.agent_id is not None}
    agents = {agent.id: agent for agent in db.scalars(select(Agent).where(Agent.id.in_(agent_ids)))} if agent_ids else {}
    return [merge_view(audit, agents.get(audit.agent_id or 0)) for audit in audits]


def find_customer(session: Session, customer_id: int, *, what: str = "customer") -> Customer:
    """The stored record (maybe merged away); 404 naming ``what`` for an id no record has."""
    customer = session.get(Customer, customer_id) if 0 < customer_id <= MAX_DB_ID else None
    if customer is None:
        raise NotFound(f"{what} {customer_id} not found")
    return customer


def summary(session: Session, customer: Customer) -> CustomerSummary:
    ticket_count, conversation_count = history.counts(session, customer)
    return CustomerSummary(
        id=customer.id,
        name=customer.name,
        email=customer.email,
        phone=customer.phone,
        language=customer.language,
        created_at=customer.created_at,
        last_seen_at=customer.last_seen_at,
        ticket_count=ticket_count,
        conversation_count=conversation_count,
    )


def merge_view(audit: CustomerMerge, agent: Agent | None) -> MergeOut:
    return MergeOut(
        id=audit.id,
        kept_customer_id=audit.kept_customer_id,
        merged_customer_id=audit.merged_customer_id,
        agent=AgentRef.model_validate(agent) if agent is not None else None,
        reason=audit.reason,
        details=audit.details or {},
        created_at=audit.created_at,
    )


def _customer_of(session: Session, ticket: Ticket) -> Customer | None:
    """The ticket's customer; for a ticket made before it had one, its conversation's."""
    customer_id = ticket.customer_id
    if customer_id is None:
        conversation = session.get(Conversation, ticket.conversation_id)
        customer_id = conversation.customer_id if conversation is not None else None
    customer = session.get(Customer, customer_id) if customer_id is not None else None
    return current(session, customer) if customer is not None else None
