"""The action server's API (``/api/internal/...``, service token): escalate, relay, ticket language,
withdraw, status, availability; and the engine's web-chat presence reports."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import update
from sqlalchemy.orm import Session

from bot.customers.identity import VERIFIED_EMAIL, VERIFIED_USER_ID, adjust_presence, customer_of_conversation
from bot.db import rows_changed
from bot.helpdesk import tickets
from bot.helpdesk.accounts import MAX_DB_ID
from bot.helpdesk.auth import SessionReleasingRoute, db_session, require_service
from bot.helpdesk.schemas import (
    Availability,
    CustomerDetailsUpdate,
    CustomerTickets,
    RelayMessage,
    RelayReceipt,
    TicketCreate,
    TicketLanguageUpdate,
    TicketReceipt,
    WithdrawReceipt,
)
from bot.models import Conversation

router = APIRouter(
    prefix="/api/internal",
    tags=["internal (action server)"],
    dependencies=[Depends(require_service)],
    route_class=SessionReleasingRoute,
)


@router.post(
    "/tickets",
    response_model=TicketReceipt,
    status_code=201,
    responses={200: {"description": "this escalation had already created the ticket", "model": TicketReceipt}},
)
def create_ticket(data: TicketCreate, request: Request, response: Response, db: Session = Depends(db_session)):
    """Create the ticket for an escalation and put it in the queue (idempotent by ``idempotency_key``)."""
    ticket, created = tickets.create_ticket(db, data=data, policy=request.app.state.policy)
    if not created:
        response.status_code = 200
    return tickets.receipt(db, ticket=ticket, created=created, policy=request.app.state.policy)


@router.post(
    "/conversations/{conversation_id:path}/messages",
    response_model=RelayReceipt,
    status_code=201,
    responses={404: {"description": "no open ticket: the handoff is over, the bot takes the conversation back"}},
)
def relay_message(conversation_id: str, data: RelayMessage, response: Response, db: Session = Depends(db_session)):
    """Append a customer (or bot) message to the conversation's open ticket; the agent sees it live."""
    ticket, message, created = tickets.relay_customer_message(db, conversation_id=conversation_id, data=data)
    if not created:
        response.status_code = 200  # a retry of a message stored before
    return RelayReceipt(reference=ticket.reference, status=ticket.status, message_id=message.id)


@router.put(
    "/conversations/{conversation_id:path}/ticket/language",
    response_model=TicketReceipt,
    responses={404: {"description": "the conversation has no open ticket"}},
)
def change_ticket_language(
    conversation_id: str, data: TicketLanguageUpdate, request: Request, db: Session = Depends(db_session)
):
    """The customer chose another language for their open ticket (offered when no agent online speaks
    theirs); returns the ticket's receipt, to tell them where they now stand."""
    ticket = tickets.change_ticket_language(db, conversation_id=conversation_id, language=data.language)
    return tickets.receipt(db, ticket=ticket, created=False, policy=request.app.state.policy)


@router.post(
    "/conversations/{conversation_id:path}/ticket/withdraw",
    response_model=WithdrawReceipt,
    responses={404: {"description": "the conversation has no open ticket (and its latest one is not withdrawn)"}},
)
def withdraw_ticket(conversation_id: str, db: Session = Depends(db_session)):
    """The customer stopped waiting for a person: their open ticket becomes ``withdrawn`` (idempotent)."""
    ticket, withdrawn_now = tickets.withdraw(db, conversation_id=conversation_id)
    return WithdrawReceipt(reference=ticket.reference, status=ticket.status, withdrawn_now=withdrawn_now)


@router.put(
    "/conversations/{conversation_id:path}/ticket/customer",
    response_model=TicketReceipt,
    responses={404: {"description": "the conversation has no open ticket"}},
)
def add_customer_details(
    conversation_id: str, data: CustomerDetailsUpdate, request: Request, db: Session = Depends(db_session)
):
    """The customer's name or e-mail, given after the ticket was opened (outside hours, with nobody
    online, the ticket is created before the bot asks for them)."""
    ticket = tickets.add_customer_details(
        db, conversation_id=conversation_id, name=data.customer_name, email=data.customer_email
    )
    return tickets.receipt(db, ticket=ticket, created=False, policy=request.app.state.policy)


@router.get("/tickets/status", response_model=CustomerTickets)
def ticket_status(
    conversation_id: str | None = Query(None, max_length=255),
    customer_id: int | None = Query(None, ge=1, le=MAX_DB_ID),
    reference: str | None = Query(None, max_length=20),
    db: Session = Depends(db_session),
):
    """A customer's tickets (this conversation's and its customer record's), newest first; never by an
    e-mail address (an ``email`` parameter of older callers is ignored)."""
    found = tickets.customer_tickets(db, conversation_id=conversation_id, customer_id=customer_id, reference=reference)
    return CustomerTickets(tickets=found)


@router.get("/availability", response_model=Availability)
def availability(request: Request, db: Session = Depends(db_session)):
    """Business hours, agents online, queue length and the wait a ticket created now would have."""
    return tickets.availability(db, policy=request.app.state.policy)


class PresenceUpdate(BaseModel):
    """A web chat opened (with what its host page's signed identity proved) or closed."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    open: bool
    verified_user_id: str | None = Field(None, min_length=1, max_length=255)
    verified_email: str | None = Field(None, min_length=3, max_length=254)


class PresenceReceipt(BaseModel):
    open_sockets: int
    customer_id: int


@router.put("/conversations/{conversation_id:path}/presence", response_model=PresenceReceipt)
def report_presence(conversation_id: str, data: PresenceUpdate, db: Session = Depends(db_session)):
    """Count a web-chat socket of the conversation opened or closed (never below 0), creating the
    conversation's customer on first contact; a signed identity the engine verified is linked to it."""
    open_sockets = adjust_presence(db, conversation_id, open_=data.open)
    conversation = db.get_one(Conversation, conversation_id)
    customer_id = conversation.customer_id
    verified = {VERIFIED_USER_ID: data.verified_user_id, VERIFIED_EMAIL: data.verified_email}
    if any(verified.values()):
        customer_id = customer_of_conversation(
            db, conversation_id=conversation_id, channel=conversation.channel, language=conversation.language,
            metadata={key: value for key, value in verified.items() if value}).id
    receipt = PresenceReceipt(open_sockets=open_sockets, customer_id=customer_id)
    db.commit()
    return receipt


class PresenceReset(BaseModel):
    model_config = ConfigDict(extra="forbid")
    open_sockets: int = Field(ge=0, le=0)


@router.put("/presence")
def reset_presence(data: PresenceReset, db: Session = Depends(db_session)) -> dict[str, int]:
    """An engine started: no web chat is open until it reports itself again (the sockets an engine
    held are gone, and a crash reports no close). With several engines, a chat held by another one
    counts as closed until it reconnects: an agent's reply may then also go by e-mail, never not at all."""
    changed = rows_changed(db, update(Conversation).where(Conversation.open_sockets != 0).values(open_sockets=0))
    db.commit()
    return {"conversations": changed}
