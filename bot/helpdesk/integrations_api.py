"""Webhooks other systems call (``/api/integrations/...``); each checks its sender's own signature."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, Request
from starlette.concurrency import run_in_threadpool

from bot.db import utcnow
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
    background.add_task(zendesk.sync, ticket_id)  # answer Zendesk now; its webhook has a short timeout
    return {"status": "accepted", "ticket_id": ticket_id}
