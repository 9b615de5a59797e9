"""bench-nlu's bookkeeping: which language each example is in, and the figures per language."""
import pytest

from bot.benchmarks.nlu import examples_by_language, fallback_threshold, macro_f1, per_language


def test_each_example_is_attributed_to_the_language_folder_it_is_written_in():
    languages = examples_by_language()

    assert set(languages.values()) == {"en", "he", "ar", "cs"}
    assert languages["hi"] == "en"
    assert languages["שלום"] == "he"
    assert languages["مرحبا"] == "ar"
    assert languages["dobrý den"] == "cs"


def test_macro_f1_averages_the_f1_of_each_true_intent():
    pairs = [("greet", "greet"), ("greet", "thank"), ("thank", "thank"), ("thank", "thank")]

    # greet: precision 1, recall 0.5 → 2/3; thank: precision 2/3, recall 1 → 0.8
    assert macro_f1(pairs) == pytest.approx((2 / 3 + 0.8) / 2)


def test_figures_are_split_by_language_with_the_most_confused_intents():
    predictions = [
        {"text": "hi", "intent": "greet", "intent_prediction": {"name": "greet", "confidence": 0.9}},
        {"text": "thanks", "intent": "thank", "intent_prediction": {"name": "greet", "confidence": 0.9}},
        {"text": "שלום", "intent": "greet", "intent_prediction": {"name": "greet", "confidence": 0.8}},
        {"text": "not in the data", "intent": "greet", "intent_prediction": None},
        {"text": "ahoj", "intent": "greet", "intent_prediction": {"name": "thank", "confidence": 0.4}},
    ]
    languages = {"hi": "en", "thanks": "en", "שלום": "he", "ahoj": "cs"}

    figures = per_language(predictions, languages, fallback_threshold=0.55)

    assert figures["en"] == {"examples": 2, "accuracy": 0.5, "macro_f1": pytest.approx(1 / 3, abs=0.001),
                             "misread_confidently": 0.5, "most_confused": {"thank → greet": 1}}
    assert (figures["cs"]["accuracy"], figures["cs"]["misread_confidently"]) == (0.0, 0.0)  # 0.4: the bot falls back
    assert figures["he"]["accuracy"] == 1.0
    assert figures["unknown"]["accuracy"] == 0.0


def test_the_fallback_threshold_is_the_shipped_pipelines():
    assert 0.0 < fallback_threshold() < 1.0
