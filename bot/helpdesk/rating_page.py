"""The page behind the resolution e-mail's survey links: ``/rate/<token>?score=N``.

It asks the survey ``SURVEY`` names (CES 1..7, CSAT 1..5, NPS 0..10), as the e-mail did.

Opening a link records nothing: mail security scanners (Outlook Safe Links, Mimecast, ...) open
every link of an e-mail before the customer does, and would otherwise rate for them. The page shows
the question with the clicked number already chosen, and one press of "Send" (a plain HTML form,
no JavaScript) records it. A resolution is rated once: a second answer is thanked and changes
nothing, like a second answer in the chat. A link we did not sign is a 400 page, an expired one 410.
"""
from __future__ import annotations

import html

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from bot.ces.store import RatingOutcome, already_rated
from bot.ces.surveys import Survey, configured_survey
from bot.email.rating import (
    LINK_VALID_DAYS,
    ExpiredRatingLink,
    InvalidRatingLink,
    record_email_rating,
    resolution_of,
)
from bot.email.templates import SurveyTexts, direction, texts_for
from bot.helpdesk.auth import SessionReleasingRoute, db_session
from bot.models import Resolution
from bot.web.security import CSP, content_security_policy, script_hash

router = APIRouter(route_class=SessionReleasingRoute, include_in_schema=False)

STYLE = (
    "body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}"
    ".scores{display:flex;gap:.4rem;flex-wrap:wrap;margin:1rem 0}"
    ".scores button{font-size:1.2rem;min-width:3rem;min-height:3rem;border:1px solid #888;border-radius:.4rem;"
    "background:#fff;cursor:pointer}.scores button[aria-pressed=true],.send{background:#1a56db;color:#fff}"
    ".send{font-size:1.1rem;padding:.6rem 1.2rem;border:0;border-radius:.4rem;cursor:pointer}"
)
# script_hash gives the CSP form of a SHA-256, which style-src takes the same way.
POLICY = content_security_policy(style_src=[script_hash(STYLE)])


@router.get("/rate/{token}")
def rating_form(token: str, request: Request, score: str | None = None, db: Session = Depends(db_session)):
    """The effort question for a signed resolution, with ``score`` chosen; records nothing."""
    resolution = _resolution(request, db, token)
    if isinstance(resolution, HTMLResponse):
        return resolution
    texts = texts_for(resolution.language)
    survey = configured_survey(request.app.state.settings)
    if already_rated(db, resolution_id=resolution.id):
        return _page(resolution.language, _title(request, resolution.language), f"<p>{html.escape(texts.page_already)}</p>")
    return _form(request, resolution, token, _score(survey, score))


@router.post("/rate/{token}")
def record(token: str, request: Request, score: str | None = Form(None), db: Session = Depends(db_session)):
    """Record the chosen score (once per resolution)."""
    resolution = _resolution(request, db, token)
    if isinstance(resolution, HTMLResponse):
        return resolution
    survey = configured_survey(request.app.state.settings)
    chosen = _score(survey, score)
    if chosen is None:
        return _form(request, resolution, token, None, status_code=400)
    outcome = record_email_rating(db, resolution_id=resolution.id, score=chosen, survey=survey.name)
    db.commit()
    texts = texts_for(resolution.language)
    said = texts.page_thanks if outcome is RatingOutcome.SAVED else texts.page_already
    return _page(resolution.language, _title(request, resolution.language), f"<p>{html.escape(said)}</p>")


def _resolution(request: Request, db: Session, token: str) -> Resolution | HTMLResponse:
    """The resolution a genuine, current link names; else the page that says what is wrong with it."""
    settings = request.app.state.settings
    english = texts_for("en")
    try:
        resolution = db.get(Resolution, resolution_of(settings, token))
    except ExpiredRatingLink:
        # Still ours: say it in the language of the resolution it named.
        expired = db.get(Resolution, int(token.split(".")[0]))
        language = expired.language if expired else "en"
        text = texts_for(language).page_expired.format(days=LINK_VALID_DAYS)
        return _page(language, _title(request, language), f"<p>{html.escape(text)}</p>", status_code=410)
    except InvalidRatingLink:
        resolution = None
    if resolution is None:
        return _page("en", _title(request, "en"), f"<p>{html.escape(english.page_invalid)}</p>", status_code=400)
    return resolution


def _survey_texts(request: Request, language: str) -> SurveyTexts:
    return texts_for(language).surveys[configured_survey(request.app.state.settings).name]


def _title(request: Request, language: str) -> str:
    return _survey_texts(request, language).page_title


def _score(survey: Survey, value: str | None) -> int | None:
    return int(value) if value is not None and value.strip().isdigit() and survey.accepts(int(value)) else None


def _form(request: Request, resolution: Resolution, token: str, chosen: int | None, status_code: int = 200) -> HTMLResponse:
    texts = texts_for(resolution.language)
    survey_texts = _survey_texts(request, resolution.language)
    company = request.app.state.settings.company_name
    buttons = "".join(
        f'<button type="submit" name="score" value="{score}" aria-pressed="{str(score == chosen).lower()}">{score}</button>'
        for score in configured_survey(request.app.state.settings).scores
    )
    scale = f"{survey_texts.scale_low} … {survey_texts.scale_high}"
    send = (
        f'<p>{html.escape(texts.page_chosen.format(score=chosen))}</p>'
        f'<p><button type="submit" name="score" value="{chosen}" class="send">{html.escape(texts.page_send)}</button></p>'
        if chosen is not None else ""
    )
    body = (
        f"<p>{html.escape(survey_texts.question.format(company=company))}</p><p>{html.escape(scale)}</p>"
        f'<form method="post" action="/rate/{html.escape(token, quote=True)}">{send}'
        f'<div class="scores" role="group" aria-label="{html.escape(scale, quote=True)}">{buttons}</div>'
        "</form>"
    )
    return _page(resolution.language, survey_texts.page_title, body, status_code=status_code)


def _page(language: str, title: str, body: str, status_code: int = 200) -> HTMLResponse:
    page = (
        f'<!doctype html><html lang="{html.escape(language, quote=True)}" dir="{direction(language)}"><head>'
        '<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{html.escape(title)}</title><style>{STYLE}</style></head>"
        f"<body><h1>{html.escape(title)}</h1>{body}</body></html>"
    )
    return HTMLResponse(page, status_code=status_code, headers={CSP: POLICY, "Cache-Control": "no-store"})
