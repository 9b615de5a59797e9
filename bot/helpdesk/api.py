"""The agent API (``/api/...``): login, queue, claim, context, reply, notes, transfer, resolve,
reopen, close, presence, agents, saved replies and KB links. Every route needs a logged-in agent;
admin-only routes say so. Bodies are JSON; message texts are plain text.
"""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, BackgroundTasks, Depends, Query, Request, Response
from sqlalchemy.orm import Session

from bot.db import utcnow
from bot.helpdesk import accounts, saved_replies, tickets
from bot.helpdesk.auth import (
    SESSION_COOKIE,
    SessionReleasingRoute,
    client_address,
    current_agent,
    current_session,
    db_session,
    require_admin,
)
from bot.helpdesk.schemas import (
    BAD_BODY,
    NEEDS_LOGIN,
    AgentCreate,
    AgentOut,
    AgentUpdate,
    KbArticleOut,
    LoginRequest,
    MessageOut,
    PresenceRequest,
    ProfileUpdate,
    ReplyRequest,
    SavedReplyCreate,
    SavedReplyOut,
    SessionInfo,
    TicketDetail,
    TicketSla,
    TicketStatusName,
    TicketSummary,
    TokenInfo,
    TransferRequest,
    error_responses,
)
from bot.helpdesk.sla import SlaTargets, sla_state
from bot.models import Agent, AgentSession, Ticket

router = APIRouter(
    prefix="/api", route_class=SessionReleasingRoute, responses=error_responses({**BAD_BODY, **NEEDS_LOGIN})
)
NOT_FOUND = error_responses({404: "unknown ticket"})
STATE_ERRORS = error_responses(
    {404: "unknown ticket", 403: "the ticket is another agent's", 409: "the ticket's status does not allow this"}
)


# ---------------------------------------------------------------- login

LOGIN_ERRORS = error_responses({
    401: "wrong e-mail or password",
    429: "too many failures from this address (for this account or any); see Retry-After",
})


@router.post(
    "/auth/login",
    response_model=SessionInfo,
    tags=["auth"],
    responses=LOGIN_ERRORS,
)
def login(
    data: LoginRequest,
    request: Request,
    response: Response,
    address: str = Depends(client_address),
    db: Session = Depends(db_session),
):
    """Log in from the browser: sets the HttpOnly session cookie and returns the CSRF token."""
    agent = accounts.authenticate(db, email=data.email, password=data.password, address=address)
    token, agent_session = accounts.open_session(db, agent=agent)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(accounts.SESSION_LIFETIME.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=request.app.state.settings.cookie_secure,
        path="/",
    )
    return SessionInfo(
        agent=accounts.agent_view(agent), csrf_token=agent_session.csrf_token, expires_at=agent_session.expires_at
    )


@router.post(
    "/auth/token",
    response_model=TokenInfo,
    tags=["auth"],
    responses=LOGIN_ERRORS,
)
def issue_token(data: LoginRequest, address: str = Depends(client_address), db: Session = Depends(db_session)):
    """Log in from a script: returns a Bearer token (no cookie, no CSRF needed)."""
    agent = accounts.authenticate(db, email=data.email, password=data.password, address=address)
    token, agent_session = accounts.open_session(db, agent=agent)
    return TokenInfo(agent=accounts.agent_view(agent), token=token, expires_at=agent_session.expires_at)


@router.get("/auth/me", response_model=SessionInfo, tags=["auth"])
def me(agent_session: AgentSession = Depends(current_session)):
    """Who is logged in, and the CSRF token of this session (for a console reloading the page)."""
    return SessionInfo(
        agent=accounts.agent_view(agent_session.agent),
        csrf_token=agent_session.csrf_token,
        expires_at=agent_session.expires_at,
    )


@router.post("/auth/logout", status_code=204, tags=["auth"])
def logout(agent_session: AgentSession = Depends(current_session), db: Session = Depends(db_session)):
    """End this session (the token stops working at once) and go offline."""
    accounts.set_presence(db, agent=agent_session.agent, presence="offline")
    accounts.revoke_session(db, agent_session=agent_session)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


# ---------------------------------------------------------------- agents


@router.get("/agents", response_model=list[AgentOut], tags=["agents"])
def list_agents(_: Agent = Depends(current_agent), db: Session = Depends(db_session)):
    """All agents with their presence (for transfers and the team view)."""
    now = utcnow()
    return [accounts.agent_view(agent, now) for agent in accounts.list_agents(db)]


@router.post(
    "/agents",
    response_model=AgentOut,
    status_code=201,
    tags=["agents"],
    responses=error_responses({409: "an agent with this e-mail exists"}),
)
def create_agent(data: AgentCreate, _: Agent = Depends(require_admin), db: Session = Depends(db_session)):
    """Create an account (admins only)."""
    agent = accounts.create_agent(
        db, email=data.email, name=data.name, role=data.role, password=data.password, languages=data.languages
    )
    return accounts.agent_view(agent)


@router.patch("/agents/me", response_model=AgentOut, tags=["agents"])
def update_profile(data: ProfileUpdate, agent: Agent = Depends(current_agent), db: Session = Depends(db_session)):
    """Your own profile: the languages you speak (claim-next gives you tickets in them first)."""
    return accounts.agent_view(accounts.set_languages(db, agent=agent, languages=data.languages))


@router.patch(
    "/agents/{agent_id}",
    response_model=AgentOut,
    tags=["agents"],
    responses=error_responses({404: "unknown agent", 409: "this would leave no active admin"}),
)
def update_agent(
    agent_id: int, data: AgentUpdate, _: Agent = Depends(require_admin), db: Session = Depends(db_session)
):
    """Rename, change role or languages, or (de)activate an account (admins only); deactivating logs it out."""
    agent = accounts.update_agent(
        db, agent_id=agent_id, name=data.name, role=data.role, is_active=data.is_active, languages=data.languages
    )
    return accounts.agent_view(agent)


@router.put("/agents/me/presence", response_model=AgentOut, tags=["agents"])
def set_presence(data: PresenceRequest, agent: Agent = Depends(current_agent), db: Session = Depends(db_session)):
    """online / away / offline. The bot counts an agent as available only while online and active."""
    return accounts.agent_view(accounts.set_presence(db, agent=agent, presence=data.presence))


# ---------------------------------------------------------------- tickets


@router.get("/queue", response_model=list[TicketSummary], tags=["tickets"])
def get_queue(request: Request, _: Agent = Depends(current_agent), db: Session = Depends(db_session)):
    """Waiting tickets in the order they will be served: priority, then age; each with its SLA state."""
    return _with_sla(request, [(ticket, position) for position, ticket in enumerate(tickets.queue(db), start=1)])


@router.get("/tickets", response_model=list[TicketSummary], tags=["tickets"])
def list_tickets(
    request: Request,
    status: TicketStatusName | None = None,
    mine: bool = Query(False, description="only tickets assigned to me"),
    reference: str | None = Query(None, max_length=20, description="only this reference, e.g. T-1042"),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0),
    agent: Agent = Depends(current_agent),
    db: Session = Depends(db_session),
):
    """Tickets, newest first, each with its SLA state."""
    found = tickets.list_tickets(
        db, status=status, assignee_id=agent.id if mine else None, reference=reference, limit=limit, offset=offset
    )
    return _with_sla(request, [(ticket, tickets.queue_position(db, ticket=ticket)) for ticket in found])


def _with_sla(request: Request, found: list[tuple[Ticket, int | None]]) -> list[TicketSummary]:
    """Summaries of ``(ticket, queue position)`` pairs with their SLA state, all at the same moment."""
    targets = SlaTargets.from_settings(request.app.state.settings)
    now = utcnow()
    return [tickets.summary(ticket, position).model_copy(update={"sla": _sla(ticket, now, targets)})
            for ticket, position in found]


def _detail(request: Request, db: Session, ticket: Ticket) -> TicketDetail:
    """A ticket's full context with its SLA state now, as every answer with one ticket gives it."""
    sla = _sla(ticket, utcnow(), SlaTargets.from_settings(request.app.state.settings))
    return tickets.detail(db, ticket=ticket).model_copy(update={"sla": sla})


def _sla(ticket: Ticket, now: datetime, targets: SlaTargets) -> TicketSla:
    return TicketSla.model_validate(sla_state(ticket, now, targets), from_attributes=True)


@router.get("/tickets/{ticket_id}", response_model=TicketDetail, tags=["tickets"], responses=NOT_FOUND)
def get_ticket(ticket_id: int, request: Request, _: Agent = Depends(current_agent), db: Session = Depends(db_session)):
    """The full context: customer, reason, KB articles the bot tried with their scores, the transcript, and the
    SLA state."""
    return _detail(request, db, tickets.get_ticket(db, ticket_id=ticket_id))


@router.post(
    "/tickets/claim-next",
    response_model=TicketDetail,
    tags=["tickets"],
    responses={204: {"description": "the queue is empty"}},
)
def claim_next(
    request: Request,
    background: BackgroundTasks,
    agent: Agent = Depends(current_agent),
    db: Session = Depends(db_session),
):
    """Claim the next ticket: the first in queue order in a language you speak, else the first in queue
    order (atomic: concurrent claims never get the same ticket)."""
    delivery = request.app.state.deliveries.for_request()
    ticket = tickets.claim_next(db, agent=agent, before_commit=delivery.before_commit)
    if ticket is None:
        return Response(status_code=204)
    delivery.after_response(background)
    return _detail(request, db, ticket)


@router.post("/tickets/{ticket_id}/claim", response_model=TicketDetail, tags=["tickets"], responses=STATE_ERRORS)
def claim(
    ticket_id: int,
    request: Request,
    background: BackgroundTasks,
    agent: Agent = Depends(current_agent),
    db: Session = Depends(db_session),
):
    """Claim this waiting ticket; 409 if another agent claimed it first."""
    delivery = request.app.state.deliveries.for_request()
    ticket = tickets.claim_ticket(db, ticket_id=ticket_id, agent=agent, before_commit=delivery.before_commit)
    delivery.after_response(background)
    return _detail(request, db, ticket)


@router.post(
    "/tickets/{ticket_id}/messages",
    response_model=MessageOut,
    status_code=201,
    tags=["tickets"],
    responses=STATE_ERRORS,
)
def reply(
    ticket_id: int,
    data: ReplyRequest,
    request: Request,
    background: BackgroundTasks,
    agent: Agent = Depends(current_agent),
    db: Session = Depends(db_session),
):
    """Reply to the customer in their chat (the ticket must be assigned to you)."""
    delivery = request.app.state.deliveries.for_request()
    message = tickets.reply(db, ticket_id=ticket_id, agent=agent, text=data.text, before_commit=delivery.before_commit)
    delivery.after_response(background)
    return MessageOut.model_validate(message)


@router.post(
    "/tickets/{ticket_id}/messages/{message_id}/retry",
    response_model=MessageOut,
    tags=["tickets"],
    responses=STATE_ERRORS,
)
def retry_delivery(
    ticket_id: int,
    message_id: int,
    request: Request,
    background: BackgroundTasks,
    agent: Agent = Depends(current_agent),
    db: Session = Depends(db_session),
):
    """Send a line that failed to reach the customer again, with the failed lines after it (the
    ticket's assignee or an admin), e.g. once the customer unblocked the bot."""
    message = tickets.retry_delivery(db, ticket_id=ticket_id, message_id=message_id, agent=agent)
    _deliver(request, background, ticket_id)
    return MessageOut.model_validate(message)


@router.post(
    "/tickets/{ticket_id}/notes", response_model=MessageOut, status_code=201, tags=["tickets"], responses=NOT_FOUND
)
def add_note(
    ticket_id: int, data: ReplyRequest, agent: Agent = Depends(current_agent), db: Session = Depends(db_session)
):
    """An internal note, visible to agents only."""
    return MessageOut.model_validate(tickets.add_note(db, ticket_id=ticket_id, agent=agent, text=data.text))


@router.post("/tickets/{ticket_id}/transfer", response_model=TicketDetail, tags=["tickets"], responses=STATE_ERRORS)
def transfer(
    ticket_id: int,
    data: TransferRequest,
    request: Request,
    background: BackgroundTasks,
    agent: Agent = Depends(current_agent),
    db: Session = Depends(db_session),
):
    """Hand the ticket to another agent (its assignee or an admin); the customer is told who joined."""
    ticket = tickets.transfer(db, ticket_id=ticket_id, agent=agent, to_agent_id=data.agent_id)
    _deliver(request, background, ticket_id)
    return _detail(request, db, ticket)


@router.post("/tickets/{ticket_id}/resolve", response_model=TicketDetail, tags=["tickets"], responses=STATE_ERRORS)
def resolve(
    ticket_id: int,
    request: Request,
    background: BackgroundTasks,
    agent: Agent = Depends(current_agent),
    db: Session = Depends(db_session),
):
    """Resolve: the conversation goes back to the bot, which closes politely and asks for the effort score."""
    delivery = request.app.state.deliveries.for_request()
    # Held here for the answer: the session keeps a ticket only while something refers to it, and reading it
    # again after the resolve cost a statement per resolve.
    ticket = tickets.get_ticket(db, ticket_id=ticket_id)
    tickets.resolve(db, ticket_id=ticket_id, agent=agent, before_commit=delivery.before_commit)
    delivery.after_response(background)
    return _detail(request, db, ticket)


@router.post("/tickets/{ticket_id}/reopen", response_model=TicketDetail, tags=["tickets"], responses=STATE_ERRORS)
def reopen(
    ticket_id: int,
    request: Request,
    background: BackgroundTasks,
    agent: Agent = Depends(current_agent),
    db: Session = Depends(db_session),
):
    """Reopen a resolved ticket; it goes back to its agent and the bot hands the chat over again."""
    ticket = tickets.reopen(db, ticket_id=ticket_id, agent=agent)
    _deliver(request, background, ticket_id)
    return _detail(request, db, ticket)


@router.post("/tickets/{ticket_id}/close", response_model=TicketDetail, tags=["tickets"], responses=STATE_ERRORS)
def close(ticket_id: int, request: Request, agent: Agent = Depends(current_agent), db: Session = Depends(db_session)):
    """Close a resolved ticket for good."""
    return _detail(request, db, tickets.close(db, ticket_id=ticket_id, agent=agent))


def _deliver(request: Request, background: BackgroundTasks, ticket_id: int) -> None:
    """Send the ticket's new lines to the customer's chat (see :mod:`bot.helpdesk.delivery_process`)."""
    request.app.state.deliveries.after_response(ticket_id, background)


# ---------------------------------------------------------------- saved replies and KB links


@router.get("/saved-replies", response_model=list[SavedReplyOut], tags=["saved replies"])
def list_saved_replies(_: Agent = Depends(current_agent), db: Session = Depends(db_session)):
    return saved_replies.saved_replies(db)


@router.post("/saved-replies", response_model=SavedReplyOut, status_code=201, tags=["saved replies"])
def create_saved_reply(data: SavedReplyCreate, _: Agent = Depends(require_admin), db: Session = Depends(db_session)):
    """Admins only."""
    return saved_replies.add_saved_reply(db, title=data.title, body=data.body)


@router.delete("/saved-replies/{reply_id}", status_code=204, tags=["saved replies"], responses=error_responses({404: "unknown saved reply"}))
def delete_saved_reply(reply_id: int, _: Agent = Depends(require_admin), db: Session = Depends(db_session)):
    """Admins only."""
    saved_replies.delete_saved_reply(db, reply_id=reply_id)
    return Response(status_code=204)


@router.get("/kb/articles", response_model=list[KbArticleOut], tags=["knowledge base"])
def kb_articles(
    request: Request,
    q: str = Query("", max_length=200, description="words that must all appear in the title, id or tags"),
    language: str | None = Query(None, max_length=10),
    limit: int = Query(20, ge=1, le=100),
    _: Agent = Depends(current_agent),
):
    """KB articles to link in a reply (read from the KB files, so edits show up at once). Each
    ``url`` is the link the bot sends: the article's own, else its help-centre page."""
    settings = request.app.state.settings
    return saved_replies.find_articles(settings.kb_dir, q, language, limit, settings.public_helpdesk_url)
