"""Custom-action calls that wait for a restarting action server instead of dropping a customer's message.

Rasa 3.6 calls the action server once per action. When the connection is refused (the server crashed
and is being restarted) it logs "Bot will continue, but the actions events are lost": the customer's
message stays unanswered, and in a live handoff the agent never sees it. The channel guard holds a
message while the action server is down, but its check is a snapshot: a crash between the check and
an action call of the turn still lost the message.

So a turn that carries a customer's message (the guard runs it inside :func:`waiting_for_action_server`)
meets a refused connection by waiting for the server and calling again. The turn holds its
conversation's lock meanwhile, so it waits at most until shortly before Rasa's lock lifetime
(``TICKET_LOCK_LIFETIME``, 60 s by default) would let another turn of the same conversation in.
Only a refused connection is retried: the request never reached the server, so nothing ran and
nothing can happen twice. A call the server took and then died in is not retried; and turns without a customer's message (the helpdesk's
triggered intents) fail at once as before, because the helpdesk redelivers those itself after checking
whether an earlier try was shown, which a long wait inside its request would defeat.
"""
from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

import aiohttp
from rasa.core.actions.action import RemoteAction
from rasa.core.lock_store import LOCK_LIFETIME
from rasa.shared.exceptions import RasaException

logger = logging.getLogger(__name__)

# Seconds of the conversation lock's lifetime left for the retried call itself.
LOCK_MARGIN_S = 10.0


class ActionServerWait(Protocol):
    """How a customer's turn waits for the action server; the channel guard provides it."""

    limit_s: float

    async def started(self) -> None:
        """Tell the customer the answer will take a moment."""

    async def until_up(self, seconds: float) -> bool:
        """Whether the action server answers again within ``seconds``."""

    async def gave_up(self) -> None:
        """Tell the customer to try again later."""


_turn_wait: ContextVar[ActionServerWait | None] = ContextVar("action_server_wait", default=None)


@contextmanager
def waiting_for_action_server(wait: ActionServerWait) -> Iterator[None]:
    """Within this block (the processing of one customer message), refused action calls wait."""
    token = _turn_wait.set(wait)
    try:
        yield
    finally:
        _turn_wait.reset(token)


def never_reached_the_server(error: BaseException) -> bool:
    """Whether Rasa's failed action call was refused before sending anything.

    ``RemoteAction.run`` raises a ``RasaException`` inside its handler for the aiohttp error, so that
    error is the exception's context; a refused connection is ``ClientConnectorError``, while a server
    that took the request and died gives ``ServerDisconnectedError`` and is not counted."""
    return isinstance(error.__context__, aiohttp.ClientConnectorError)


def install() -> None:
    """Make every ``RemoteAction`` of this process wait, in a customer's turn, for a refused server."""
    original_run = RemoteAction.run
    if getattr(original_run, "waits_for_action_server", False):
        return

    async def run(action: RemoteAction, *args: Any, **kwargs: Any) -> Any:
        deadline: float | None = None
        while True:
            try:
                return await original_run(action, *args, **kwargs)
            except RasaException as error:
                wait = _turn_wait.get()
                if wait is None or not never_reached_the_server(error):
                    raise
                if deadline is None:
                    limit_s = max(0.0, min(wait.limit_s, LOCK_LIFETIME - LOCK_MARGIN_S))
                    deadline = time.monotonic() + limit_s
                    logger.warning("The action server refused %s: waiting up to %.0f s for it", action.name(), limit_s)
                    await wait.started()
                remaining = deadline - time.monotonic()
                if remaining <= 0 or not await wait.until_up(remaining):
                    logger.error("The action server stayed unreachable: %s did not run", action.name())
                    await wait.gave_up()
                    raise
                logger.info("The action server is back: calling %s again", action.name())

    run.waits_for_action_server = True  # type: ignore[attr-defined]
    RemoteAction.run = run
