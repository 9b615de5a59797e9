"""A KB whose translations lag behind: an article that exists only in another language still answers,
but only when it is confidently the answer and the question shares words with it."""
import pytest

from bot.kb.loader import load_articles
from bot.kb.search import KnowledgeBase
from tests.bot.kb.kb_articles import write_article

# The demo KB (tests/bot/kb/kb_articles.py) has payment-methods and delete-account in English only;
# reset-password, track-order and refund-status exist in all four languages.


@pytest.mark.parametrize("question, language", [
    ("můžu platit přes PayPal nebo Apple Pay?", "cs"),
    ("אפשר לשלם עם paypal?", "he"),
])
def test_an_article_missing_in_the_customers_language_answers_from_english(demo_kb, question, language):
    result = demo_kb.search(question, language)

    assert result.decision == "answer"
    assert result.top.article_id == "payment-methods"
    assert (result.language, result.article_language) == (language, "en")


def test_an_article_that_has_a_translation_is_never_shown_in_another_language(demo_kb):
    result = demo_kb.search("zapomněl jsem heslo na password reset", "cs")

    assert result.article_language is None
    assert result.top is None or result.top.article_id != "reset-password"


def test_a_question_sharing_no_word_with_the_untranslated_article_is_not_answered_from_it(demo_kb):
    result = demo_kb.search("איך מוחקים את החשבון לגמרי", "he")  # delete-account exists in English only

    assert result.decision == "abstain"
    assert result.article_language is None


def test_a_question_in_the_customers_language_is_answered_there_first(demo_kb):
    result = demo_kb.search("zapomněl jsem heslo", "cs")

    assert (result.decision, result.top.article_id, result.article_language) == ("answer", "reset-password-cs", None)


@pytest.fixture(scope="module")
def english_only_kb(tmp_path_factory) -> KnowledgeBase:
    folder = tmp_path_factory.mktemp("kb")
    write_article(folder, "delete-account", "Delete your account", "en",
                  ["delete my account", "close my account", "remove my profile", "deactivate account"],
                  "Account › Privacy › Delete account removes your account within 30 days.")
    write_article(folder, "payment-methods", "Payment methods we accept", "en",
                  ["can I pay with paypal", "is apple pay accepted", "payment options", "do you take credit cards"],
                  "We accept Visa, Mastercard, PayPal and Apple Pay.")
    write_article(folder, "track-order", "Where is my order?", "en",
                  ["where is my order", "track my package", "order status", "when will my parcel arrive"],
                  "Open Account › Orders to see the tracking link.")
    return KnowledgeBase.build(load_articles(folder))


def test_a_language_with_no_articles_at_all_is_answered_from_english(english_only_kb):
    result = english_only_kb.search("potřebuji delete account, jak na to?", "cs")

    assert (result.decision, result.top.article_id, result.article_language) == ("answer", "delete-account", "en")


def test_an_off_topic_question_in_a_language_with_no_articles_is_still_abstained(english_only_kb):
    result = english_only_kb.search("jaké bude zítra počasí v Praze", "cs")

    assert result.decision == "abstain"
    assert result.article_language is None
