"""Slots refreshed after every customer message: the customer's language and the company name."""
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import ValidationAction
from rasa_sdk.types import DomainDict

from actions.services import services
from bot.language import conversation_language, has_written_words, language_from_entities


class ValidateSlotMappings(ValidationAction):
    """``action_validate_slot_mappings``: Rasa runs it after each user message."""

    async def extract_language(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        message = tracker.latest_message or {}
        earlier_texts = [event.get("text") for event in tracker.events if event.get("event") == "user"][:-1]
        language = conversation_language(
            message.get("text"),
            tracker.get_slot("language"),
            hint=(message.get("metadata") or {}).get("language"),
            settled=has_written_words(earlier_texts),
            collecting=tracker.get_slot("requested_slot") is not None,
            requested=language_from_entities(message.get("entities")),
        )
        return {"language": language}

    async def extract_company(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> dict[str, Any]:
        return {"company": services().settings.company_name}
