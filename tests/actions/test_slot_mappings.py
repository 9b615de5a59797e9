"""Slots refreshed after every customer message: the conversation's language and the company name."""
import pytest

from actions.slot_mappings import ValidateSlotMappings
from tests.actions.conftest import make_tracker, run, slots_set, user_event


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


@pytest.mark.parametrize("text, requested_slot, language", [
    ("Noa Cohen", "customer_name", "he"),
    ("I forgot my password and cannot log in", "issue_description", "he"),  # a detail, not a switch
    ("English please", "customer_name", "en"),  # an explicit request always switches
    ("I forgot my password and cannot log in", None, "en"),
])
def test_a_settled_conversation_switches_only_on_a_clear_sentence_and_never_while_collecting(
        dispatcher, domain, text, requested_slot, language):
    tracker = make_tracker(domain, text, "ask_question", history=[user_event("שלום", "greet")],
                           slots={"language": "he", "requested_slot": requested_slot})

    events = run(ValidateSlotMappings(), dispatcher, tracker, domain)

    assert slots_set(events)["language"] == language


def test_a_language_button_sets_the_language_from_its_entity(dispatcher, domain):
    tracker = make_tracker(domain, '/switch_language{"language":"cs"}', "switch_language",
                           entities=[{"entity": "language", "value": "cs"}], history=[user_event("שלום", "greet")],
                           slots={"language": "he", "requested_slot": "customer_email"})

    assert slots_set(run(ValidateSlotMappings(), dispatcher, tracker, domain))["language"] == "cs"


def test_the_channels_locale_gives_way_to_the_customers_first_words(dispatcher, domain):
    tracker = make_tracker(domain, "שלום", "greet", history=[user_event("/greet", "greet")],
                           slots={"language": "en"}, metadata={"language": "en-US"})

    assert slots_set(run(ValidateSlotMappings(), dispatcher, tracker, domain))["language"] == "he"


def test_the_company_name_comes_from_the_settings(dispatcher, domain):
    events = run(ValidateSlotMappings(), dispatcher, make_tracker(domain, "hi", "greet"), domain)
    assert slots_set(events)["company"] == "Acme"
