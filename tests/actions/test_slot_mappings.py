"""Slots refreshed after every customer message: the conversation's language and the company name."""
import pytest

from actions.slot_mappings import ValidateSlotMappings
from tests.actions.conftest import make_tracker, run, slots_set


@pytest.fixture(autouse=True)
def _services(action_services):
    return action_services


@pytest.mark.parametrize("text, current, metadata, language", [
    ("שכחתי את הסיסמה", None, {}, "he"),
    ("ok", "cs", {}, "cs"),
    ("hi", None, {"language": "ar-EG"}, "ar"),
    ("/affirm", "he", {}, "he"),
    ("How do I track my parcel?", "ar", {"language": "ar"}, "en"),
])
def test_the_language_follows_the_customer(dispatcher, domain, text, current, metadata, language):
    tracker = make_tracker(domain, text, "ask_question", slots={"language": current}, metadata=metadata)

    events = run(ValidateSlotMappings(), dispatcher, tracker, domain)

    assert slots_set(events)["language"] == language
    assert dispatcher.messages == []


def test_the_company_name_comes_from_the_settings(dispatcher, domain):
    events = run(ValidateSlotMappings(), dispatcher, make_tracker(domain, "hi", "greet"), domain)
    assert slots_set(events)["company"] == "Acme"
