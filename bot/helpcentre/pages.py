"""The help centre's routes: ``/help/<lang>``, categories, articles, search, feedback, ask and contact.

Pages come from the same KB files as the bot's answers, read by the loader (re-read when the files
change), and searches from the bot's own engine on the action server (:mod:`bot.helpcentre.search`),
so an edited article shows here as soon as the bot uses it and the helpdesk holds no index of its own. Article, category and home pages are cacheable for five minutes with
an ``ETag`` that changes with the KB's fingerprint; search, feedback and the "ask" page are never
cached (they carry what the reader typed). Everything works without JavaScript.
"""
from __future__ import annotations

import hashlib
import logging
import re
import threading
import unicodedata
from collections.abc import Callable
from email.utils import parseaddr
from functools import cached_property
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

import requests
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.db import session_scope, utcnow
from bot.helpcentre import catalogue
from bot.helpcentre import templates as t
from bot.helpcentre.catalogue import Catalogue
from bot.helpcentre.markdown import render
from bot.helpcentre.search import SearchUnavailable, search_kb
from bot.helpcentre.texts import LANGUAGE_NAMES, LANGUAGE_NAMES_IN, category_name, texts_for
from bot.helpdesk.auth import SessionReleasingRoute, db_session
from bot.helpdesk.http import OutboundThreads
from bot.kb.files import Fingerprint, kb_fingerprint
from bot.kb.loader import Article, KbLoadError, load_articles
from bot.kb.query_log import HELP_CENTRE, record_query
from bot.kb.results import DecisionPolicy
from bot.language import SUPPORTED_LANGUAGES
from bot.models import ArticleFeedback
from bot.settings import Settings
from bot.web.security import CSP, content_security_policy, socket_origins

log = logging.getLogger(__name__)

router = APIRouter(route_class=SessionReleasingRoute, include_in_schema=False)

CSS_FILE = Path(__file__).resolve().parent / "static" / "help.css"
PAGE_CACHE = "public, max-age=300"
NO_STORE = "no-store"
CSS_CACHE = "public, max-age=31536000, immutable"  # its URL carries the file's hash
VOTE_COOKIE_PREFIX = "help-voted-"
VOTE_MEMORY_S = 24 * 3600
SEARCH_THREADS = 4  # searches waiting on the action server at once, per helpdesk process; more wait their turn
FEEDBACK_ANSWERS = {"yes": True, "no": False}
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\ufffd\ufeff\u200b]+")


class HelpCentre:
    """What the help centre keeps per app: the articles (read on first use, never at start-up, and again
    when the files change), the HTTP session for searches on the action server and the threads they wait in."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.search_threads = OutboundThreads(SEARCH_THREADS, "help-centre-search")
        self._read: tuple[Catalogue, str] | None = None
        self._fingerprint: Fingerprint | None = None
        self._lock = threading.Lock()

    def knowledge_base(self) -> tuple[Catalogue, str]:
        """The current articles (checked against the files on every call: a few ``stat`` calls) and a digest
        of the files they were read from (for ETags). A broken edit keeps the previous articles, as the
        action servers keep their previous index."""
        fingerprint = kb_fingerprint(self.settings)
        with self._lock:
            if self._read is None or fingerprint != self._fingerprint:
                self._fingerprint = fingerprint
                digest = hashlib.sha256(repr(fingerprint).encode()).hexdigest()
                try:
                    self._read = (Catalogue(load_articles(self.settings.kb_dir)), digest)
                except KbLoadError as exc:
                    log.error("help centre: KB not re-read, the previous articles stay: %s", exc)
                    if self._read is None:
                        self._read = (Catalogue([]), digest)
            return self._read

    @cached_property
    def http(self) -> requests.Session:
        """Kept open between searches, so a search does not pay for a new connection."""
        return requests.Session()

    @cached_property
    def css_url(self) -> str:
        version = hashlib.sha256(CSS_FILE.read_bytes()).hexdigest()[:12]
        return f"/help/static/help.css?v={version}"


def preferred_language(accept_language: str | None) -> str:
    """The first supported language of an ``Accept-Language`` header, by its q-values; else English."""
    choices = []
    for position, part in enumerate((accept_language or "").split(",")):
        tag, _, params = part.strip().partition(";")
        weight = 1.0
        if params.strip().startswith("q="):
            try:
                weight = float(params.strip()[2:])
            except ValueError:
                continue
        code = tag.strip().lower().split("-")[0]
        if code in SUPPORTED_LANGUAGES and weight > 0:
            choices.append((-weight, position, code))
    return min(choices)[2] if choices else "en"


def clean_query(raw: str, max_chars: int) -> tuple[str, bool]:
    """The question to search for: control and binary characters dropped, spaces collapsed, cut to
    ``max_chars`` (MAX_MESSAGE_CHARS, the bot's own limit); and whether it was cut."""
    text = " ".join(_UNPRINTABLE.sub(" ", unicodedata.normalize("NFC", raw)).split())
    if len(text) <= max_chars:
        return text, False
    return text[:max_chars].rstrip(), True


def _help_centre(request: Request) -> HelpCentre:
    return request.app.state.help_centre


def _page(request: Request, language: str, title: str, main: str, *, query: str = "", status_code: int = 200,
          cache: str = NO_STORE, head: str = "", tail: str = "", headers: dict | None = None) -> HTMLResponse:
    settings = request.app.state.settings
    body = t.layout(language, title, main, company=settings.company_name, css_url=_help_centre(request).css_url,
                    query=query, head=head, tail=tail)
    return HTMLResponse(body, status_code=status_code, headers={"Cache-Control": cache, **(headers or {})})


def _cached(request: Request, language: str, kb_digest: str, build: Callable[[], HTMLResponse],
            extra: str = "") -> Response:
    """``build()``'s page, or 304 when the browser's copy is still current: same KB, page, stylesheet,
    company name and ``extra`` (what else the page shows, e.g. the popular articles)."""
    site = f"{_help_centre(request).css_url}|{request.app.state.settings.company_name}"
    key = f"{kb_digest}|{site}|{language}|{request.url.path}?{request.url.query}|{extra}"
    etag = f'"{hashlib.sha256(key.encode()).hexdigest()[:32]}"'
    wanted = {tag.strip().removeprefix("W/") for tag in request.headers.get("if-none-match", "").split(",")}
    headers = {"ETag": etag, "Cache-Control": PAGE_CACHE}
    if etag in wanted or "*" in wanted:
        return Response(status_code=304, headers=headers)
    response = build()
    response.headers.update(headers)
    return response


def not_found(request: Request, language: str | None = None) -> HTMLResponse:
    """The 404 page, in ``language`` or else the reader's browser language, with the search box."""
    language = language if language in SUPPORTED_LANGUAGES else preferred_language(request.headers.get("accept-language"))
    texts = texts_for(language)
    main = (
        f"<h1>{escape(texts.not_found_title)}</h1><p>{escape(texts.not_found_text)}</p>"
        f'<p><a href="{t.home_url(language)}">{escape(texts.home_link)}</a></p>'
    )
    return _page(request, language, texts.not_found_title, main, status_code=404)


@router.get("/help")
def help_root(request: Request):
    """To the reader's language section (``Accept-Language``)."""
    language = preferred_language(request.headers.get("accept-language"))
    return RedirectResponse(t.home_url(language), status_code=302,
                            headers={"Vary": "Accept-Language", "Cache-Control": NO_STORE})


@router.get("/help/static/help.css")
def stylesheet(request: Request):
    return Response(CSS_FILE.read_bytes(), media_type="text/css", headers={"Cache-Control": CSS_CACHE})


@router.get("/help/{language}")
def home(language: str, request: Request, db: Session = Depends(db_session)):
    if language not in SUPPORTED_LANGUAGES:
        return not_found(request)
    knowledge_base, digest = _help_centre(request).knowledge_base()
    popular = catalogue.popular(db, knowledge_base, language, utcnow())
    texts = texts_for(language)

    def build() -> HTMLResponse:
        main = (
            f'<h1 class="hero">{escape(texts.home_title)}</h1>'
            f"<section><h2>{escape(texts.categories)}</h2>"
            f"{t.category_grid(language, catalogue.categories(knowledge_base, language))}</section>"
            f"<section><h2>{escape(texts.popular)}</h2>{t.article_list(popular)}</section>"
        )
        return _page(request, language, texts.home_title, main)

    return _cached(request, language, digest, build, extra=",".join(a.id for a in popular))


@router.get("/help/{language}/search")
async def search(language: str, request: Request, q: str | None = None):
    """Ranked articles for ``q`` from the bot's own engine, or an honest "no article" with the ways on. The
    search waits on the action server in the help centre's own threads: a slow action server holds those,
    never the ones agents' requests need; the pages that need no search are answered at once."""
    if language not in SUPPORTED_LANGUAGES:
        return not_found(request)
    texts = texts_for(language)
    question, shortened = clean_query(q or "", request.app.state.settings.max_message_chars)
    if not question:
        return _page(request, language, texts.search_label, f"<h1>{escape(texts.search_label)}</h1>"
                     f"<p>{escape(texts.empty_query)}</p>")
    return await _help_centre(request).search_threads.run(_search_page, language, request, question, shortened)


def _search_page(language: str, request: Request, question: str, shortened: bool) -> HTMLResponse:
    texts = texts_for(language)
    settings = request.app.state.settings
    help_centre = _help_centre(request)
    knowledge_base, _ = help_centre.knowledge_base()
    try:
        result = search_kb(help_centre.http, settings, question, language)
    except SearchUnavailable:
        return _page(request, language, texts.search_label, f"<h1>{escape(texts.search_label)}</h1>"
                     f'<p class="notice">{escape(texts.search_unavailable)}</p>'
                     f"{t.still_need_help(language, question)}", query=question, status_code=503)
    _log_search(request.app.state.session_factory, question, language, result.decision, result.top)
    minimum = DecisionPolicy().offer_min
    found = [
        article for article in (
            knowledge_base.article(c.article_id) for c in result.candidates
            if result.decision != "abstain" and c.score >= minimum
        ) if article is not None
    ]
    notice = f'<p class="notice">{escape(texts.shortened.format(max=settings.max_message_chars))}</p>' if shortened else ""
    heading = f"<h1>{escape(texts.results_for.format(query=_shown_query(question)))}</h1>{notice}"
    if found:
        main = heading + _result_list(found, language) + (
            f'<section class="help-more"><h2>{escape(texts.still_need_help)}</h2>'
            f"{t.still_need_help(language, question)}</section>"
        )
    else:
        main = (
            f'{heading}<section class="no-result"><p><strong>{escape(texts.no_result)}</strong></p>'
            f"<p>{escape(texts.no_result_next)}</p>{t.still_need_help(language, question)}</section>"
        )
    return _page(request, language, texts.search_label, main, query=question)


def _shown_query(question: str) -> str:
    return question if len(question) <= 200 else question[:199] + "…"


def _result_list(articles: list[Article], language: str) -> str:
    texts = texts_for(language)
    items = []
    for article in articles:
        other = (
            f'<p class="meta">{escape(texts.article_language.format(language=LANGUAGE_NAMES_IN[language][article.language]))}</p>'
            if article.language != language else ""
        )
        items.append(
            f'<li><a href="{t.article_url(article)}" lang="{article.language}">{escape(article.title)}</a>'
            f"{other}<p>{escape(article.chat_answer(240))}</p></li>"
        )
    return f'<ol class="articles results">{"".join(items)}</ol>'


def _log_search(sessions: sessionmaker, question: str, language: str, decision: str, top) -> None:
    """One ``kb_queries`` row per search, in a session of its own (the search's thread, not the request's);
    a database problem costs the log entry, not the reader's results."""
    try:
        with session_scope(sessions) as db:
            record_query(
                db, conversation_id=HELP_CENTRE, channel=HELP_CENTRE, question=question,
                language=language, outcome=decision,
                article_id=top.article_id if top is not None and decision == "answer" else None,
                score=top.score if top is not None else None,
            )
    except SQLAlchemyError:
        log.exception("help centre: could not log the search")


@router.get("/help/{language}/ask")
def ask(language: str, request: Request, q: str | None = None):
    """A page with the chat widget, which opens with the reader's question (``data-open-with-question``)."""
    if language not in SUPPORTED_LANGUAGES:
        return not_found(request)
    settings = request.app.state.settings
    texts = texts_for(language)
    question, _ = clean_query(q or "", settings.max_message_chars)
    shown = f'<p>{escape(texts.your_question)}</p><blockquote class="question">{escape(question)}</blockquote>' if question else ""
    main = (
        f"<h1>{escape(texts.ask_assistant)}</h1><p>{escape(texts.ask_intro)}</p>{shown}"
        f'<noscript><p>{escape(texts.chat_needs_script)} <a href="{t.contact_url(language)}">'
        f"{escape(texts.contact_us)}</a></p></noscript>"
    )
    widget = (
        f'<script src="/widget/effortless-chat.js" data-socket-url="{escape(settings.public_rasa_url, quote=True)}"'
        f' data-title="{escape(settings.company_name, quote=True)}" data-lang="{language}"'
        f' data-open-with-question="{escape(question, quote=True)}" defer></script>'
    )
    policy = content_security_policy(connect_src=socket_origins(settings.public_rasa_url))
    return _page(request, language, texts.ask_assistant, main, query=question, tail=widget, headers={CSP: policy})


@router.get("/help/{language}/contact")
def contact(language: str, request: Request):
    if language not in SUPPORTED_LANGUAGES:
        return not_found(request)
    settings = request.app.state.settings
    texts = texts_for(language)
    _, email = parseaddr(settings.email_from)
    mail_link = f'<a href="mailto:{escape(email, quote=True)}">{escape(email)}</a>'
    write = f"<p>{escape(texts.contact_email).format(email=mail_link)}</p>" if email else ""
    main = (
        f"<h1>{escape(texts.contact_us)}</h1><p>{escape(texts.contact_chat)}</p>"
        f'<p><a class="button" href="{t.ask_url(language)}">{escape(texts.contact_chat_button)}</a></p>{write}'
    )
    return _cached(request, language, "", lambda: _page(request, language, texts.contact_us, main), extra=email)


@router.get("/help/{language}/category/{category}")
def category(language: str, category: str, request: Request):
    if language not in SUPPORTED_LANGUAGES:
        return not_found(request)
    knowledge_base, digest = _help_centre(request).knowledge_base()
    articles = catalogue.category_articles(knowledge_base, language, category)
    if not articles:
        return not_found(request, language)
    name = category_name(category, language)
    main = f"{t.breadcrumbs(language, (name, None))}<h1>{escape(name)}</h1>{t.article_list(articles)}"
    return _cached(request, language, digest, lambda: _page(request, language, name, main))


@router.get("/help/{language}/{article_id}")
def article_page(language: str, article_id: str, request: Request, feedback: str | None = None):
    """The article; ``?feedback=yes|no`` (where the vote form leads) shows the thank-you state."""
    if language not in SUPPORTED_LANGUAGES:
        return not_found(request)
    knowledge_base, digest = _help_centre(request).knowledge_base()
    article = knowledge_base.article(article_id)
    if article is None:
        return not_found(request, language)
    if article.language != language:  # e.g. /help/he/<an English id>: the reader's version if there is one
        wanted = next((a for a in catalogue.translations(knowledge_base, article) if a.language == language), article)
        return RedirectResponse(t.article_url(wanted), status_code=302)
    return _cached(request, language, digest, lambda: _article(request, knowledge_base, article, feedback))


def _article(request: Request, knowledge_base: Catalogue, article: Article, feedback: str | None) -> HTMLResponse:
    language = article.language
    texts = texts_for(language)
    trail = [(category_name(article.category, language), t.category_url(language, article.category))] if article.category else []
    translations = catalogue.translations(knowledge_base, article)
    other_versions = (
        f'<p class="translations">{escape(texts.also_in)} '
        + ", ".join(
            f'<a href="{t.article_url(a)}" lang="{a.language}" hreflang="{a.language}">{escape(LANGUAGE_NAMES[a.language])}</a>'
            for a in translations
        )
        + "</p>"
        if translations else ""
    )
    related = catalogue.related(knowledge_base, article)
    main = (
        f"{t.breadcrumbs(language, *trail, (article.title, None))}"
        f'<article><h1>{escape(article.title)}</h1>{other_versions}'
        f'<div class="article-body">{render(article.body or article.summary)}</div></article>'
        f"{_feedback_section(article, feedback)}"
        + (f'<aside class="related"><h2>{escape(texts.related)}</h2>{t.article_list(related, with_summary=False)}</aside>'
           if related else "")
    )
    return _page(request, language, article.title, main)


def _feedback_section(article: Article, feedback: str | None) -> str:
    language = article.language
    texts = texts_for(language)
    if feedback in FEEDBACK_ANSWERS:
        more = t.still_need_help(language, article.title) if feedback == "no" else ""
        return f'<section id="feedback" class="feedback" role="status"><p>{escape(texts.thanks)}</p>{more}</section>'
    return (
        f'<section id="feedback" class="feedback"><form method="post" action="{t.article_url(article)}/feedback">'
        f"<p>{escape(texts.was_helpful)}</p>"
        f'<button type="submit" name="helpful" value="yes">{escape(texts.yes)}</button> '
        f'<button type="submit" name="helpful" value="no">{escape(texts.no)}</button></form></section>'
    )


@router.post("/help/{language}/{article_id}/feedback")
def record_feedback(language: str, article_id: str, request: Request, helpful: str = Form(""),
                    db: Session = Depends(db_session)):
    """Store a "Was this helpful?" answer (once per browser and article a day), then back to the article.

    Only forms from the help centre's own pages count (``Origin``, else ``Referer``): another site
    cannot post votes from its readers' browsers.
    """
    if language not in SUPPORTED_LANGUAGES:
        return not_found(request)
    knowledge_base, _ = _help_centre(request).knowledge_base()
    article = knowledge_base.article(article_id)
    if article is None or article.language != language:
        return not_found(request, language)
    texts = texts_for(language)
    answer = helpful.strip().lower()
    if answer not in FEEDBACK_ANSWERS or not _from_our_pages(request):
        main = f'<h1>{escape(article.title)}</h1><p>{escape(texts.feedback_refused)}</p>' \
               f'<p><a href="{t.article_url(article)}">{escape(article.title)}</a></p>'
        status = 400 if answer not in FEEDBACK_ANSWERS else 403
        return _page(request, language, article.title, main, status_code=status)
    cookie = VOTE_COOKIE_PREFIX + article.id
    response = RedirectResponse(f"{t.article_url(article)}?feedback={answer}#feedback", status_code=303,
                                headers={"Cache-Control": NO_STORE})
    if cookie not in request.cookies:
        db.add(ArticleFeedback(article_id=article.id, language=language, helpful=FEEDBACK_ANSWERS[answer],
                               created_at=utcnow()))
        db.commit()
        response.set_cookie(cookie, "1", max_age=VOTE_MEMORY_S, path="/help/", httponly=True, samesite="lax",
                            secure=request.url.scheme == "https")
    return response


def _from_our_pages(request: Request) -> bool:
    source = request.headers.get("origin") or request.headers.get("referer") or ""
    if not source or source == "null":
        return False
    own = {request.headers.get("host", "")}
    public = urlsplit(request.app.state.settings.public_helpdesk_url).netloc
    if public:
        own.add(public)
    return urlsplit(source).netloc in own


@router.get("/help/{language}/{rest:path}")
def unknown_page(language: str, rest: str, request: Request):
    if language in SUPPORTED_LANGUAGES and not rest.strip("/"):
        return RedirectResponse(t.home_url(language), status_code=308)
    return not_found(request, language)
