"""A helpdesk line that already reached the chat is not run again when a later try of it arrives.

The helpdesk sends each agent line, resolution or reopening as a triggered intent carrying the line's
id (:mod:`bot.helpdesk.shown_lines`), and tries again when an answer does not come back in time. The
conversation's lock makes a try wait while another turn holds it, for example a customer's message
waiting for a restarting action server (:mod:`bot.engine.action_calls`): the helpdesk's request times
out, its next try is queued behind the first, and both would run once the lock frees, so the
customer would see the agent's line twice. The helpdesk's own check before a retry asks the tracker
too early to see the first try; this one runs inside Rasa under the conversation's lock, where every
earlier try has finished. A repeated try changes nothing and sends nothing; Rasa answers it with the
conversation as it is, whose last turn shows the line.
"""
from __future__ import annotations

import logging
from typing import Any

from rasa.core.processor import MessageProcessor
from rasa.shared.core.events import BotUttered, UserUttered

from bot.helpdesk.shown_lines import shown_in, triggered_line_id

logger = logging.getLogger(__name__)


def install() -> None:
    """Make this process's triggered intents skip a helpdesk line the conversation already shows."""
    original_trigger = MessageProcessor.trigger_external_user_uttered
    if getattr(original_trigger, "skips_shown_lines", False):
        return

    async def trigger_external_user_uttered(processor: MessageProcessor, intent_name: str, entities: Any,
                                            tracker: Any, output_channel: Any) -> None:
        line_id = triggered_line_id(entities)
        if line_id is not None and shown_in(
            (event.as_dict() for event in tracker.events if isinstance(event, (UserUttered, BotUttered))), line_id
        ):
            logger.info("%s for helpdesk line %s: the conversation already shows it, not run again",
                        intent_name, line_id)
            return
        await original_trigger(processor, intent_name, entities, tracker, output_channel)

    trigger_external_user_uttered.skips_shown_lines = True  # type: ignore[attr-defined]
    MessageProcessor.trigger_external_user_uttered = trigger_external_user_uttered
