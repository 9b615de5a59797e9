"""The action server: rasa-sdk's Sanic app for ``actions/``, answering only a caller that presents
``ACTION_SERVER_TOKEN``. Rasa sends it as ``Authorization: Bearer`` (the ``headers`` of
``action_endpoint`` in endpoints.yml); ``/health`` stays open for the supervisor and load balancers.
"""
from __future__ import annotations

import hmac

from sanic import Sanic
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.settings import Settings

OPEN_PATHS = frozenset({"/health"})


def bearer_token_matches(authorization: str | None, token: str) -> bool:
    """Whether an ``Authorization`` header carries ``token``; compared in constant time, so the
    time an answer takes says nothing about how much of a guess was right."""
    scheme, _, presented = (authorization or "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(), token.encode())


def create_app(settings: Settings) -> Sanic:
    """rasa-sdk's app for the ``actions`` package, behind the token check."""
    from rasa_sdk.endpoint import create_app as create_sdk_app
    from sanic import response

    app = create_sdk_app("actions")

    async def require_token(request: Request) -> HTTPResponse | None:
        if request.path in OPEN_PATHS or bearer_token_matches(request.headers.get("authorization"),
                                                              settings.action_server_token):
            return None
        return response.json({"error": "the action server needs Rasa's ACTION_SERVER_TOKEN"}, status=401,
                             headers={"WWW-Authenticate": "Bearer"})

    app.register_middleware(require_token, "request")
    return app


def serve(settings: Settings) -> None:
    """Serve on ``ACTION_HOST``:``ACTION_PORT`` until stopped (as rasa-sdk's own ``run``, plus the token check)."""
    from rasa_sdk.utils import number_of_sanic_workers

    create_app(settings).run(settings.action_host, settings.action_port, workers=number_of_sanic_workers())
