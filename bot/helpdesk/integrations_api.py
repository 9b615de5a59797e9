"""Webhooks other systems call (``/api/integrations/...``); each checks its sender's own signature."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from bot.db import session_scope, utcnow
from bot.email import inbound
from bot.helpdesk.errors import NotFound
from bot.helpdesk.zendesk_sync import ticket_id_from_body, verify_signature

router = APIRouter(prefix="/api/integrations", tags=["integrations"])


@router.post(
    "/zendesk/webhook",
    status_code=202,
    responses={
        400: {"description": 'the body is not {"ticket_id": ...}'},
        401: {"description": "missing, wrong or stale Zendesk signature"},
        404: {"description": "not configured: TICKET_BACKEND=zendesk with ZENDESK_WEBHOOK_SECRET"},
    },
)
async def zendesk_webhook(request: Request, background: BackgroundTasks):
    """A Zendesk ticket changed: its agents' new public replies (and a solve or reopen) go to the chat.

    The body names the ticket, ``{"ticket_id": "{{ticket.id}}"}``; the rest is read from Zendesk.
    """
    zendesk = request.app.state.zendesk_sync
    if zendesk is None:
        raise NotFound("the Zendesk webhook is not configured: set TICKET_BACKEND=zendesk and ZENDESK_WEBHOOK_SECRET")
    body = await request.body()
    verify_signature(
        zendesk.secret,
        body,
        request.headers.get("X-Zendesk-Webhook-Signature", ""),
        request.headers.get("X-Zendesk-Webhook-Signature-Timestamp", ""),
        utcnow(),
    )
    ticket_id = ticket_id_from_body(body)
    await run_in_threadpool(zendesk.note_change, ticket_id)
    # Answer Zendesk now (its webhook has a short timeout); the sync reads Zendesk and writes to the chat.
    request.app.state.deliveries.threads.after_response(background, zendesk.sync, ticket_id)
    return {"status": "accepted", "ticket_id": ticket_id}


@router.post(
    "/email/inbound",
    responses={
        401: {"description": f"missing, malformed, wrong or stale {inbound.SIGNATURE_HEADER}"},
        404: {"description": "not configured: set INBOUND_EMAIL_SECRET"},
        413: {"description": "an attachment is over MAX_EMAIL_ATTACHMENT_BYTES (nothing is stored)"},
        422: {"description": "not an e-mail in the expected shape, no sender address, or no text of its own"},
    },
)
async def inbound_email(request: Request):
    """A customer's e-mail, from an inbound-parse service: appended to its ticket, or opening one.

    Answers 200 for everything it took, so the service does not retry: ``received`` (with the ticket's
    reference), ``ignored`` (automatic mail, a bounce, an unknown reference: stored with ``reason``)
    or ``duplicate`` (this Message-ID came before). See docs/email.md, "Inbound replies".
    """
    settings = request.app.state.settings
    if not settings.inbound_email_secret:
        raise NotFound("the inbound e-mail webhook is not configured: set INBOUND_EMAIL_SECRET")
    body = await request.body()
    inbound.verify_signature(
        settings.inbound_email_secret, body, request.headers.get(inbound.SIGNATURE_HEADER, ""), utcnow()
    )
    try:
        mail = inbound.InboundEmail.model_validate_json(body)
    except ValidationError as invalid:
        raise RequestValidationError(invalid.errors()) from None

    def receive() -> inbound.Outcome:
        with session_scope(request.app.state.session_factory) as session:
            return inbound.receive(session, mail=mail, settings=settings, policy=request.app.state.policy)

    outcome = await run_in_threadpool(receive)
    return {"status": outcome.status, "ticket_reference": outcome.ticket_reference, "reason": outcome.reason}
