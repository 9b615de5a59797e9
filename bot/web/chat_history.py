"""A returning web customer's history: what the bot and the agents said while the chat was closed.

Rasa's socket.io channel only pushes what is said while a socket is open. An agent's reply that
arrives after the customer closed the tab is in the conversation's Rasa tracker all the same, so
the widget asks here when it connects again and shows the lines it has not seen. The conversation
is proven by the widget's signed session token (never by its id, which agents see), and only the
bot's and agents' lines are returned: the customer's own are in the widget already.
"""
from __future__ import annotations

import asyncio
from typing import Any, Literal
from urllib.parse import quote

import requests
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from bot.engine.channels.payloads import verified_web_session
from bot.helpdesk.errors import HelpdeskError, Unauthorized
from bot.helpdesk.rasa_bridge import PATH_SAFE
from bot.settings import Settings

# The widget keeps this many lines (TRANSCRIPT_LIMIT in effortless-chat.js): older ones are never replayed.
MAX_LINES = 200
MAX_TOKEN_CHARS = 200
WEB_CONVERSATION = "web:"  # the socket.io channel's conversation ids: web:<session id>

router = APIRouter(tags=["web chat"])


class HistoryUnavailable(HelpdeskError):
    status_code = 503


class ChatButton(BaseModel):
    title: str
    payload: str


class ChatLine(BaseModel):
    index: int = Field(description="position among all the bot's and agents' lines of the conversation, from 0")
    sender: Literal["bot", "agent"] = Field(alias="from")
    text: str
    agent_name: str | None = None
    buttons: list[ChatButton] = Field(default_factory=list)


class ChatHistory(BaseModel):
    total: int = Field(description="how many lines the bot and agents have said in this conversation")
    messages: list[ChatLine] = Field(description=f"the last {MAX_LINES} of them")


def shown_lines(events: list[Any]) -> list[dict[str, Any]]:
    """The bot's and agents' lines in a tracker's events, as the widget shows them (lines it would
    not show, e.g. without text or buttons, are not counted either)."""
    lines: list[dict[str, Any]] = []
    for event in events:
        if not isinstance(event, dict) or event.get("event") != "bot":
            continue
        data = _mapping(event.get("data"))
        custom = _mapping(data.get("custom"))
        custom = _mapping(custom.get("data")) or custom  # an agent's line: json_message={"data": {...}}
        text = event.get("text") if isinstance(event.get("text"), str) else custom.get("text")
        buttons = [b for b in data.get("buttons") or [] if isinstance(b, dict)
                   and isinstance(b.get("title"), str) and isinstance(b.get("payload"), str)]
        if not isinstance(text, str):
            text = ""
        if not text and not buttons and not (data.get("image") or data.get("attachment")):
            continue  # the widget shows nothing for it (an image is counted, not replayed)
        agent = custom.get("from") == "agent"
        lines.append({"index": len(lines), "from": "agent" if agent else "bot", "text": text,
                      "agent_name": custom.get("agent_name") if agent and isinstance(custom.get("agent_name"), str) else None,
                      "buttons": [{"title": b["title"], "payload": b["payload"]} for b in buttons]})
    return lines


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def tracker_events(settings: Settings, conversation_id: str) -> list[Any]:
    """The conversation's events since its last restart, from Rasa's HTTP API."""
    try:
        response = requests.get(
            f"{settings.rasa_url}/conversations/{quote(conversation_id, safe=PATH_SAFE)}/tracker",
            params={"token": settings.rasa_token, "include_events": "AFTER_RESTART"},
            timeout=settings.http_timeout_s,
        )
        response.raise_for_status()
        return response.json().get("events") or []
    except (requests.RequestException, ValueError, AttributeError) as failed:
        # The error text may hold Rasa's URL with its token: say only what kind of failure it was.
        raise HistoryUnavailable(f"the chat history cannot be read right now ({type(failed).__name__})") from None


@router.post(
    "/widget/history",
    response_model=ChatHistory,
    responses={401: {"description": "the session token is not one this server signed"},
               503: {"description": "the Rasa server cannot be reached"}},
)
async def chat_history(request: Request) -> JSONResponse:
    """The bot's and agents' lines of the web conversation whose session token is the body (plain
    text: a "simple" cross-origin request, so host pages need no preflight), for any origin."""
    token = (await request.body())[:MAX_TOKEN_CHARS + 1].decode("utf-8", errors="replace").strip()
    settings: Settings = request.app.state.settings
    session_id = verified_web_session(settings.web_chat_secret, token) if len(token) <= MAX_TOKEN_CHARS else None
    if session_id is None:
        raise Unauthorized("not a session token this server signed")
    events = await asyncio.to_thread(tracker_events, settings, WEB_CONVERSATION + session_id)
    lines = shown_lines(events)
    history = ChatHistory.model_validate({"total": len(lines), "messages": lines[-MAX_LINES:]})
    return JSONResponse(history.model_dump(mode="json", by_alias=True),
                        headers={"Access-Control-Allow-Origin": "*", "Cache-Control": "no-store"})

