"""The helpdesk web service: agent API, internal API for the action server, live updates, the agent
console and the customer chat widget (static files).

    uvicorn bot.web.app:create_app --factory --host 127.0.0.1 --port 8000

Nothing happens at import time: :func:`create_app` reads the settings and builds the database
engine; the app's lifespan runs the loop that re-delivers agent replies Rasa could not take yet.
The OpenAPI spec is at ``/openapi.json`` (browsable at ``/docs``).
"""

from __future__ import annotations

import asyncio
import html
import json
import logging
import re
from collections.abc import Callable
from contextlib import asynccontextmanager, suppress
from pathlib import Path

from anyio import CapacityLimiter, to_thread
from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import text
from sqlalchemy.orm import sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.routing import Match

from bot.ces import api as ces_api
from bot.db import make_engine, make_session_factory, session_scope, utcnow
from bot.email import notify
from bot.escalation.outbox import EscalationDrainer, prune_done
from bot.helpcentre.pages import HelpCentre
from bot.helpcentre.pages import router as help_centre_router
from bot.helpdesk import api, customers_api, event_stream, events, integrations_api, internal_api, login_throttle
from bot.helpdesk.auth import trusted_networks
from bot.helpdesk.backends import make_backend
from bot.helpdesk.delivery_process import Deliveries
from bot.helpdesk.errors import HelpdeskError, extra_headers
from bot.helpdesk.rasa_bridge import RETRY_INTERVAL_S, RasaBridge
from bot.helpdesk.rating_page import router as rating_page_router
from bot.helpdesk.schemas import BAD_BODY, NEEDS_LOGIN, error_responses
from bot.helpdesk.ticket_rules import HelpdeskPolicy
from bot.helpdesk.zendesk_sync import ZendeskSync
from bot.privacy.retention import RetentionSchedule
from bot.settings import Settings, load_settings
from bot.web import chat_history
from bot.web.limits import BodyLimit, BodyLimits
from bot.web.security import CSP, SecurityHeaders, content_security_policy, script_hash, socket_origins

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
PRUNE_EVERY_S = 600.0
HTTP_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; fails at once with a clear message on unusable helpdesk settings."""
    settings = settings or load_settings()
    policy = HelpdeskPolicy.from_settings(settings)
    engine = make_engine(settings.database_url)
    session_factory = make_session_factory(engine)
    bridge = RasaBridge(settings, session_factory)
    deliveries = Deliveries(settings, bridge)
    zendesk_sync = (
        ZendeskSync(settings, session_factory, bridge)
        if settings.ticket_backend == "zendesk" and settings.zendesk_webhook_secret
        else None
    )
    external_backend = make_backend(settings, session_factory) if settings.ticket_backend != "builtin" else None
    drainer = EscalationDrainer(settings, session_factory, bridge, policy, external_backend)
    help_centre = HelpCentre(settings)  # its KB index is built on the first help-centre request

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        # AnyIO's pool runs the sync routes (40 threads by default). With fewer, a process spends less of its
        # CPU passing the interpreter lock and the SQLite writer's turn between threads that mostly wait.
        to_thread.current_default_thread_limiter().total_tokens = settings.helpdesk_threads
        deliveries.start()
        background = [
            asyncio.create_task(_redeliver_forever(deliveries, zendesk_sync, drainer, session_factory)),
            asyncio.create_task(RetentionSchedule(settings, session_factory).run_daily()),  # RETENTION_DAYS
            asyncio.create_task(notify.send_forever(settings, session_factory)),  # e-mail, when SMTP_URL is set
        ]
        try:
            yield
        finally:
            for task in background:
                task.cancel()
            for task in background:
                with suppress(asyncio.CancelledError):
                    await task
            await run_in_threadpool(deliveries.stop)
            await run_in_threadpool(help_centre.search_threads.stop)
            engine.dispose()

    app = FastAPI(
        title="Effortless helpdesk",
        version="1.0",
        description=(
            "Tickets, the agent queue and live handoff. Agents log in (cookie + X-CSRF-Token, or Bearer "
            "token); the action server uses the service token on /api/internal. Message texts are plain text."
        ),
        lifespan=lifespan,
        docs_url=None,  # served by _add_pages, with a content security policy that fits Swagger UI
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = session_factory
    app.state.policy = policy
    app.state.trusted_proxies = trusted_networks(settings.trusted_proxies)
    app.state.bridge = bridge
    app.state.deliveries = deliveries
    app.state.zendesk_sync = zendesk_sync
    app.state.help_centre = help_centre

    # FastAPI's decorator form: Starlette's add_exception_handler is typed for handlers of any Exception.
    app.exception_handler(HelpdeskError)(_helpdesk_error)
    app.exception_handler(RequestValidationError)(_invalid_request)
    app.exception_handler(405)(_method_not_allowed)
    app.add_middleware(BodyLimit, limit_for=BodyLimits.from_settings(settings).for_path)
    app.add_middleware(SecurityHeaders, hsts_max_age_s=settings.hsts_max_age_s)
    # Every error a route can answer is in the spec (the fuzz test holds the service to it).
    app.include_router(api.router)
    app.include_router(customers_api.router)
    app.include_router(event_stream.router, responses=error_responses({**NEEDS_LOGIN, 422: BAD_BODY[422]}))
    app.include_router(internal_api.router, responses=error_responses(
        {**BAD_BODY, 401: "missing or wrong service token"}))
    app.include_router(integrations_api.router, responses=error_responses(BAD_BODY))
    app.include_router(ces_api.router, responses=error_responses({**NEEDS_LOGIN, 422: BAD_BODY[422]}))
    app.include_router(rating_page_router)  # /rate/<token>: the resolution e-mail's effort links
    app.include_router(chat_history.router)  # /widget/history: before the /widget mount, which would take it
    app.include_router(help_centre_router)  # /help: the public help centre (bot/helpcentre)
    _add_pages(app)
    return app


async def _helpdesk_error(_request: Request, error: HelpdeskError) -> JSONResponse:
    return JSONResponse({"detail": str(error)}, status_code=error.status_code, headers=extra_headers(error))


async def _invalid_request(_request: Request, error: RequestValidationError) -> Response:
    """422 with where and what, without echoing the input back (it may be huge, or not encodable)."""
    problems = [{"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]} for e in error.errors()]
    body = json.dumps({"detail": problems}, ensure_ascii=True, default=str)
    return Response(body, status_code=422, media_type="application/json")


async def _method_not_allowed(request: Request, _error: Exception) -> Response:
    """405 whose ``Allow`` lists the methods of every route on this path (Starlette names only the
    first route's, e.g. GET for /api/agents, which also takes POST)."""
    allowed = [
        method
        for method in HTTP_METHODS
        if any(route.matches({**request.scope, "method": method})[0] is Match.FULL for route in request.app.router.routes)
    ]
    return JSONResponse({"detail": "Method Not Allowed"}, status_code=405, headers={"Allow": ", ".join(allowed)})


def _add_pages(app: FastAPI) -> None:
    @app.get("/health", tags=["service"], responses={503: {"description": "the database cannot be used"}})
    def health(request: Request):
        """``{"status": "ok"}`` when the service can use its database, else 503."""
        try:
            with session_scope(request.app.state.session_factory) as session:
                session.execute(text("SELECT 1"))
        except Exception as exc:  # any driver error means "not healthy"; the log has the details
            log.warning("health check: database unusable: %s", exc)
            return JSONResponse({"status": "unavailable", "detail": "database unreachable"}, status_code=503)
        return {"status": "ok"}

    @app.get("/", include_in_schema=False)
    def home():
        return RedirectResponse("/demo")

    @app.get("/demo", include_in_schema=False)
    def demo(request: Request):
        """The demo shop page; the widget on it talks to the Rasa server browsers can reach."""
        page = (STATIC_DIR / "demo.html").read_text(encoding="utf-8")
        public_rasa_url = request.app.state.settings.public_rasa_url
        policy = content_security_policy(connect_src=socket_origins(public_rasa_url))
        page = page.replace("__PUBLIC_RASA_URL__", html.escape(public_rasa_url, quote=True))
        return HTMLResponse(page, headers={CSP: policy})

    docs_page = get_swagger_ui_html(openapi_url=app.openapi_url or "/openapi.json", title=f"{app.title} API")
    docs_policy = _docs_policy(bytes(docs_page.body).decode("utf-8"))

    @app.get("/docs", include_in_schema=False)
    def docs():
        """Swagger UI for the OpenAPI spec."""
        return HTMLResponse(docs_page.body, headers={CSP: docs_policy})

    app.mount("/agent", StaticFiles(directory=STATIC_DIR / "agent", html=True), name="agent")
    app.mount("/widget", StaticFiles(directory=STATIC_DIR / "widget"), name="widget")
    app.mount("/demo/static", StaticFiles(directory=STATIC_DIR / "demo"), name="demo")
    # DOM helpers the console and the reports page (bot/ces/static) both import.
    app.mount("/shared", StaticFiles(directory=STATIC_DIR / "shared"), name="shared")


def _docs_policy(page: str) -> str:
    """Swagger UI comes from its CDN and starts from one inline script, allowed by its hash."""
    cdn = "https://cdn.jsdelivr.net"
    inline_scripts = re.findall(r"<script>(.*?)</script>", page, flags=re.DOTALL)
    return content_security_policy(
        script_src=[cdn, *map(script_hash, inline_scripts)],
        style_src=[cdn, "'unsafe-inline'"],  # Swagger UI styles elements from its script
        img_src=["https://fastapi.tiangolo.com"],  # its favicon
    )


async def _redeliver_forever(
    deliveries: Deliveries, zendesk_sync: ZendeskSync | None, drainer: EscalationDrainer, session_factory: sessionmaker
) -> None:
    """Every few seconds, create the tickets of escalations the action server could not hand over,
    deliver the chat lines that are due (or see that the delivery process doing so still runs), and bring
    Zendesk tickets not yet in the chat to it; now and then prune old events. In a thread of its own: waiting
    on Rasa or Zendesk, it holds none of the agents' request threads; stopped, it finishes the step under way."""
    last_prune = 0.0
    loop = asyncio.get_running_loop()
    own_thread = CapacityLimiter(1)

    async def step(work: Callable[..., object], *args: object) -> None:
        await to_thread.run_sync(work, *args, limiter=own_thread)

    while True:
        await asyncio.sleep(RETRY_INTERVAL_S)
        try:
            await step(drainer.drain_due)
            await step(deliveries.sweep)
            if zendesk_sync is not None:
                await step(zendesk_sync.sync_pending)
            if loop.time() - last_prune >= PRUNE_EVERY_S:
                last_prune = loop.time()
                await step(_prune, session_factory)
        except Exception:  # keep retrying whatever went wrong this round; the log says what
            log.exception("re-delivering agent messages failed; will retry")


def _prune(session_factory: sessionmaker) -> None:
    with session_scope(session_factory) as session:
        events.prune_events(session, now=utcnow())
        login_throttle.prune(session, now=utcnow())
        prune_done(session, now=utcnow())
