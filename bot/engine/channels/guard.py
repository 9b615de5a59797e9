"""The one gate every connector hands customer messages through before the bot sees them.

For each message, in this order (:meth:`MessageGuard.handle`):

1. **identity**: the sender id becomes the channel's namespaced conversation id
   (``identity.conversation_id``), so no channel can address another channel's conversation;
   metadata that proves nothing about the customer is cut down to hints (``trust``);
2. **empty** messages are dropped (logged, nothing answered);
3. **length**: a message over ``max_message_chars`` is not processed; the customer is told so
   (``utter_message_too_long``, in the conversation's language);
4. **payloads**: a message that only names one of the buttons the bot just showed by its number or
   position ("2", "the second one", "השנייה", "druhou") becomes that button's payload (WhatsApp lists buttons as numbered lines, ``numbered``);
   text that Rasa would read as a helpdesk intent or as entities passes only when it is exactly a
   button the bot offered in its recent messages; otherwise it is neutralised and logged (``trust``);
5. **the action server**: when it cannot be reached (it is being restarted), the customer gets
   ``utter_one_moment``, the message waits (bounded by ``action_server_wait_s``) and is then
   processed; if the server never comes back, the customer is asked to try again later
   (``utter_try_again_later``). That check is a snapshot, so the message is also processed inside
   :func:`bot.engine.action_calls.waiting_for_action_server`: an action call of its turn that the
   server refuses (it crashed after the check) waits the same way instead of losing the message.

The customer-facing texts are domain responses rendered by Rasa's NLG for the conversation's
tracker, so their language variants apply. Each connector builds its guard from its credentials
(``max_message_chars``, ``action_server_wait_s``, rendered by ``bot/channel_credentials.py``)
and wraps the ``on_new_message`` Rasa gives it (:meth:`MessageGuard.wrap`); the guard reaches the
running agent through the Sanic app its blueprint is registered with (:meth:`MessageGuard.attach`).
"""
from __future__ import annotations

import asyncio
import logging
import math
import time
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from rasa.core.channels.channel import UserMessage
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, Sanic

from bot.engine.action_calls import waiting_for_action_server
from bot.engine.channels.identity import conversation_id
from bot.engine.channels.numbered import is_number_choice, latest_buttons, numbered_choice
from bot.engine.channels.trust import accepted_metadata, needs_offer, neutralised, offered_payloads, payload_intent
from bot.language import conversation_language

logger = logging.getLogger(__name__)

OnNewMessage = Callable[[UserMessage], Awaitable[Any]]
TOO_LONG_RESPONSE = "utter_message_too_long"
ONE_MOMENT_RESPONSE = "utter_one_moment"
TRY_AGAIN_RESPONSE = "utter_try_again_later"
LANGUAGE_SLOT = "language"


@dataclass(frozen=True)
class GuardLimits:
    """The limits every connector applies, from its credentials."""

    max_message_chars: int
    action_server_wait_s: float

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> GuardLimits:
        credentials = credentials or {}
        try:
            return cls(int(credentials["max_message_chars"]), float(credentials["action_server_wait_s"]))
        except (KeyError, TypeError, ValueError):
            raise RasaException(
                "A channel's credentials need max_message_chars and action_server_wait_s: start Rasa with the "
                "credentials `python -m bot run` renders (bot/channel_credentials.py)."
            ) from None


# The credentials keys GuardLimits reads, for connectors that pass the rest on.
LIMIT_KEYS = frozenset(field.name for field in fields(GuardLimits))


def _reachable(url: str, timeout_s: float) -> bool:
    """Whether anything answers HTTP at ``url`` (any status: a running server is what matters)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout_s):
            return True
    except urllib.error.HTTPError:
        return True
    except (OSError, ValueError):  # refused, timed out, unresolvable, or not a URL
        return False


class ActionServerHealth:
    """Whether the action server answers at ``/health`` on its webhook's host, cached for a quarter of
    a second: a busy server probes a few times a second (about 3 ms each on loopback), not once per
    message, and a message sent just after a crash still finds it down and is held rather than lost."""

    FRESH_S = 0.25
    TIMEOUT_S = 3.0
    POLL_S = 1.0

    def __init__(self) -> None:
        self._up = True
        self._checked_at = -math.inf
        self._check: asyncio.Future[bool] | None = None

    @staticmethod
    def health_url(webhook_url: str) -> str:
        parts = urlsplit(webhook_url)
        return urlunsplit((parts.scheme, parts.netloc, "/health", "", ""))

    async def up(self, webhook_url: str) -> bool:
        """The last result when it is fresh, else a new check."""
        if time.monotonic() - self._checked_at < self.FRESH_S:
            return self._up
        return await self._probe(webhook_url)

    async def wait_until_up(self, webhook_url: str, wait_s: float) -> bool:
        """Poll until the action server answers (True) or ``wait_s`` has passed (False)."""
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            await asyncio.sleep(min(self.POLL_S, max(0.0, deadline - time.monotonic())))
            if await self._probe(webhook_url):
                return True
        return False

    async def _probe(self, webhook_url: str) -> bool:
        """One check at a time; callers arriving meanwhile share its answer."""
        if self._check is None or self._check.done():
            self._check = asyncio.ensure_future(
                asyncio.to_thread(_reachable, self.health_url(webhook_url), self.TIMEOUT_S))
            self._check.add_done_callback(self._remember)
        return await asyncio.shield(self._check)

    def _remember(self, check: asyncio.Future[bool]) -> None:
        self._up = not check.cancelled() and check.exception() is None and check.result()
        self._checked_at = time.monotonic()


class MessageGuard:
    """Namespacing, limits, the payload boundary and the action-server wait for one connector.

    ``prefix`` is the channel's conversation-id prefix (``identity``); ``proves_identity`` whether
    its metadata may name the customer; ``answers_in_response`` whether the bot's replies go back
    in the webhook's own HTTP response (REST), in which case a held message is held there too,
    rather than in the background.
    """

    def __init__(self, prefix: str, limits: GuardLimits, *, proves_identity: bool,
                 answers_in_response: bool = False) -> None:
        self.prefix = prefix
        self.limits = limits
        self.proves_identity = proves_identity
        self.answers_in_response = answers_in_response
        self.action_server = ActionServerHealth()
        self._app: Sanic | None = None
        self._held: set[asyncio.Task[None]] = set()

    def wrap(self, on_new_message: OnNewMessage) -> OnNewMessage:
        """``on_new_message`` behind this guard."""

        async def guarded(message: UserMessage) -> None:
            await self.handle(message, on_new_message)

        return guarded

    def attach(self, blueprint: Blueprint) -> Blueprint:
        """Let the guard find the running agent through the app ``blueprint`` is registered with."""

        @blueprint.listener("before_server_start")
        async def remember_app(app: Sanic, _: Any) -> None:
            self._app = app

        return blueprint

    def _agent(self) -> Any:
        """The app's current agent (Rasa replaces it when a new model is loaded), or ``None``."""
        return getattr(self._app.ctx, "agent", None) if self._app is not None else None

    async def handle(self, message: UserMessage, on_new_message: OnNewMessage) -> None:
        message.sender_id = conversation_id(self.prefix, message.sender_id)
        message.metadata = accepted_metadata(message.metadata, self.proves_identity)
        if not message.text:  # UserMessage strips it
            logger.info("Ignored an empty %s message from %s", self.prefix, message.sender_id)
            return
        agent = self._agent()
        if len(message.text) > self.limits.max_message_chars:
            logger.warning("Refused a %s-character message from %s (at most %s)",
                           len(message.text), message.sender_id, self.limits.max_message_chars)
            await self._say(agent, TOO_LONG_RESPONSE, message)
            return
        events = None  # read from the tracker store only for a message that needs them
        if is_number_choice(message.text):
            events = await self._events(agent, message.sender_id)
            chosen = numbered_choice(message.text, latest_buttons(events))
            if chosen is not None:
                logger.info("A number typed by %s chose the button %r", message.sender_id, chosen)
                message.text = chosen
        if needs_offer(message.text) and message.text not in offered_payloads(
                events if events is not None else await self._events(agent, message.sender_id)):
            logger.warning("Neutralised a typed payload for the intent %r from %s: no button offered it",
                           payload_intent(message.text), message.sender_id)
            message.text = neutralised(message.text)
        webhook_url = getattr(getattr(agent, "action_endpoint", None), "url", None)
        if not webhook_url:
            await on_new_message(message)
            return
        if await self.action_server.up(webhook_url):
            await self._process(message, on_new_message, webhook_url)
            return
        logger.warning("The action server is unreachable: holding a message from %s", message.sender_id)
        await self._say(agent, ONE_MOMENT_RESPONSE, message)
        held = self._when_action_server_is_back(message, on_new_message, webhook_url)
        if self.answers_in_response:
            await held
        else:  # the platform gets its webhook answered now and would retry a slow one
            task = asyncio.ensure_future(held)
            self._held.add(task)
            task.add_done_callback(self._held.discard)

    async def _when_action_server_is_back(self, message: UserMessage, on_new_message: OnNewMessage,
                                          webhook_url: str) -> None:
        try:
            if await self.action_server.wait_until_up(webhook_url, self.limits.action_server_wait_s):
                logger.info("The action server is back: processing the held message from %s", message.sender_id)
                await self._process(message, on_new_message, webhook_url)
                return
            logger.error("The action server stayed unreachable for %s s: a message from %s was not processed",
                         self.limits.action_server_wait_s, message.sender_id)
            await self._say(self._agent(), TRY_AGAIN_RESPONSE, message)
        except Exception:  # in the background nobody else would see it
            logger.exception("Could not process the held message from %s", message.sender_id)

    async def _process(self, message: UserMessage, on_new_message: OnNewMessage, webhook_url: str) -> None:
        """Rasa processes the message; an action call the action server refuses meanwhile waits for it."""
        with waiting_for_action_server(_CustomerTurnWait(self, message, webhook_url)):
            await on_new_message(message)

    async def _events(self, agent: Any, sender_id: str) -> list[dict[str, Any]]:
        """The conversation's stored events as dicts, oldest first (none for a new conversation)."""
        tracker = await agent.tracker_store.retrieve(sender_id) if agent is not None else None
        return [event.as_dict() for event in tracker.events] if tracker is not None else []

    async def _say(self, agent: Any, response: str, message: UserMessage) -> None:
        """Send the domain response ``response``, rendered for the conversation: its language slot, or for a
        conversation that has none yet the language the bot will answer in (the message's own, else the
        client's hint), so an Arabic first message held while the action server restarts hears Arabic."""
        if agent is None or agent.domain is None:
            logger.error("No model is loaded: could not send %s to %s", response, message.sender_id)
            return
        try:
            tracker = await agent.tracker_store.retrieve(message.sender_id)
            if tracker is None:
                tracker = DialogueStateTracker(message.sender_id, agent.domain.slots)
            hint = (message.metadata or {}).get(LANGUAGE_SLOT)
            if LANGUAGE_SLOT in tracker.slots and not tracker.get_slot(LANGUAGE_SLOT):
                tracker.slots[LANGUAGE_SLOT].value = conversation_language(
                    message.text, None, hint if isinstance(hint, str) else None, settled=False)
            rendered = await agent.nlg.generate(response, tracker, message.output_channel.name())
            if not rendered:
                logger.error("The model's domain has no response %s", response)
                return
            await message.output_channel.send_response(message.sender_id, rendered)
        except Exception:  # telling the customer must never take the webhook down
            logger.exception("Could not send %s to %s", response, message.sender_id)


class _CustomerTurnWait:
    """A customer's turn waiting for the action server mid-turn: the same texts and limit as a held message."""

    def __init__(self, guard: MessageGuard, message: UserMessage, webhook_url: str) -> None:
        self._guard = guard
        self._message = message
        self._webhook_url = webhook_url
        self.limit_s = guard.limits.action_server_wait_s

    async def started(self) -> None:
        await self._guard._say(self._guard._agent(), ONE_MOMENT_RESPONSE, self._message)

    async def until_up(self, seconds: float) -> bool:
        return await self._guard.action_server.wait_until_up(self._webhook_url, seconds)

    async def gave_up(self) -> None:
        await self._guard._say(self._guard._agent(), TRY_AGAIN_RESPONSE, self._message)
