"""The help centre's search: the action server's KB index over HTTP (``POST /kb/search``,
:mod:`bot.stack.action_server`), so the helpdesk holds no index and no embedding model of its own.

When the action server cannot answer in ``SEARCH_TIMEOUT_S`` the search page says so (the other pages
need only the articles, which the helpdesk reads itself).
"""
from __future__ import annotations

import logging

import requests

from bot.kb.results import Candidate, SearchResult
from bot.settings import Settings

log = logging.getLogger(__name__)

SEARCH_TIMEOUT_S = 5.0
"""A search takes milliseconds; waiting longer than this only keeps the reader staring at a blank page."""


class SearchUnavailable(RuntimeError):
    """The action server did not answer the search (down, restarting, overloaded, or a wrong token)."""


def kb_search_url(settings: Settings) -> str:
    """The action server's search route, next to the ``/webhook`` that ``ACTION_SERVER_URL`` names."""
    return settings.action_server_url.removesuffix("/webhook").rstrip("/") + "/kb/search"


def search_kb(http: requests.Session, settings: Settings, question: str, language: str) -> SearchResult:
    """The action server's :class:`SearchResult` for ``question``; raises :class:`SearchUnavailable`."""
    url = kb_search_url(settings)
    try:
        response = http.post(url, json={"question": question, "language": language}, timeout=SEARCH_TIMEOUT_S,
                             headers={"Authorization": f"Bearer {settings.action_server_token}"})
        response.raise_for_status()
        found = response.json()
        return SearchResult(**{**found, "candidates": [Candidate(**c) for c in found["candidates"]]})
    except (requests.RequestException, ValueError, TypeError, KeyError) as exc:
        log.warning("help centre: search at %s unavailable: %s", url, exc)
        raise SearchUnavailable(str(exc)) from exc
