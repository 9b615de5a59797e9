"""``action_switch_language``: the customer asked for another language (intent ``switch_language``)."""
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from bot.language import language_from_entities, requested_language


class ActionSwitchLanguage(Action):
    """Confirm the switch in the new language, or ask which language when the message named none.

    The ``language`` slot itself is already set by ``ConversationSlotsPolicy`` in Rasa (also during a
    live handoff, when HandoffPolicy relays the message to the agent instead of running this).
    """

    def name(self) -> str:
        return "action_switch_language"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        message = tracker.latest_message or {}
        named = language_from_entities(message.get("entities")) or requested_language(message.get("text"))
        dispatcher.utter_message(response="utter_language_switched" if named else "utter_which_language")
        return []
