"""``action_switch_language``: a named language is confirmed (in it), an unnamed one is asked for."""
import pytest

from actions.language import ActionSwitchLanguage
from tests.actions.conftest import make_tracker, responses, run


@pytest.mark.parametrize("text, entities", [
    ("English please", None),
    ("אפשר באנגלית?", None),
    ("Čeština", None),
    ('/switch_language{"language":"ar"}', [{"entity": "language", "value": "ar"}]),
])
def test_a_named_language_is_confirmed(dispatcher, domain, text, entities):
    tracker = make_tracker(domain, text, "switch_language", entities=entities)

    assert run(ActionSwitchLanguage(), dispatcher, tracker, domain) == []
    assert responses(dispatcher) == ["utter_language_switched"]


@pytest.mark.parametrize("text", ["can we use another language?", "do you speak other languages", "English or Hebrew?"])
def test_without_a_named_language_the_customer_is_asked_which(dispatcher, domain, text):
    run(ActionSwitchLanguage(), dispatcher, make_tracker(domain, text, "switch_language"), domain)

    assert responses(dispatcher) == ["utter_which_language"]


def test_the_language_question_offers_the_four_languages_in_their_own_names(domain):
    for variant in domain["responses"]["utter_which_language"]:
        assert [(b["title"], b["payload"]) for b in variant["buttons"]] == [
            ("English", '/switch_language{{"language":"en"}}'), ("עברית", '/switch_language{{"language":"he"}}'),
            ("العربية", '/switch_language{{"language":"ar"}}'), ("Čeština", '/switch_language{{"language":"cs"}}')]
