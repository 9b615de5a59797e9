"""The action server: rasa-sdk's Sanic app for ``actions/``, answering only a caller that presents
``ACTION_SERVER_TOKEN``. Rasa sends it as ``Authorization: Bearer`` (the ``headers`` of
``action_endpoint`` in endpoints.yml); ``/health`` stays open for the supervisor and load balancers.

``POST /kb/search`` (same token) answers the help centre's searches from this process's KB index, so the
helpdesk holds no index and no embedding model of its own: one copy per action server serves both.
"""
from __future__ import annotations

import asyncio
import dataclasses
import hmac
from typing import TYPE_CHECKING

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.settings import Settings

if TYPE_CHECKING:  # the store's search engine is imported by the action server itself, not by its importers
    from bot.kb.store import KnowledgeBaseStore

OPEN_PATHS = frozenset({"/health"})


def bearer_token_matches(authorization: str | None, token: str) -> bool:
    """Whether an ``Authorization`` header carries ``token``; compared in constant time, so the
    time an answer takes says nothing about how much of a guess was right."""
    scheme, _, presented = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode())


KB_SEARCH_PATH = "/kb/search"


def create_app(settings: Settings, knowledge_base: KnowledgeBaseStore) -> Sanic:
    """rasa-sdk's app for the ``actions`` package and ``/kb/search`` on ``knowledge_base``, behind the token check."""
    from rasa_sdk.endpoint import create_app as create_sdk_app
    from sanic import response

    app = create_sdk_app("actions")

    async def search(request: Request) -> HTTPResponse:
        """``{"question": text, "language": code}`` → the :class:`~bot.kb.results.SearchResult` as JSON."""
        body = request.json if isinstance(request.json, dict) else {}
        question, language = body.get("question"), body.get("language")
        if not isinstance(question, str) or not isinstance(language, str):
            return response.json({"error": 'send JSON: {"question": "<text>", "language": "<code>"}'}, status=400)
        _, result = await asyncio.to_thread(knowledge_base.search, question, language)
        return response.json(dataclasses.asdict(result))

    app.add_route(search, KB_SEARCH_PATH, methods=["POST"])

    async def require_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS or bearer_token_matches(request.headers.get("authorization"),
                                                              settings.action_server_token):
            return None
        return response.json({"error": "the action server needs Rasa's ACTION_SERVER_TOKEN"}, status=401,
                             headers={"WWW-Authenticate": "Bearer"})

    app.register_middleware(require_token, "request")
    return app


def serve(settings: Settings, knowledge_base: KnowledgeBaseStore) -> None:
    """Serve on ``ACTION_HOST``:``ACTION_PORT`` until stopped (as rasa-sdk's own ``run``, plus the token check)."""
    from rasa_sdk.utils import number_of_sanic_workers

    # No access log: Sanic's line per call carries its fields in extras our format does not print, so it was an
    # empty "INFO sanic.access:" line per action call (97 % of the log), costing CPU here and in the supervisor.
    create_app(settings, knowledge_base).run(settings.action_host, settings.action_port,
                                             workers=number_of_sanic_workers(), access_log=False)
