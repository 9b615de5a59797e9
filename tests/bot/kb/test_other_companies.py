"""Questions about other companies' products are recognised by name, in every language."""
import pytest

from bot.kb.other_companies import OtherCompanyNames
from bot.kb.search import Article, KnowledgeBase


@pytest.mark.parametrize(
    "question, language, company",
    [
        ("how do I cancel my Netflix subscription", "en", "Netflix"),
        ("netflix's app keeps logging me out", "en", "Netflix"),
        ("reset my gmail password", "en", "Gmail"),
        ("my order of apple music gift cards", "en", "Apple Music"),
        ("jak zrušit předplatné netflixu", "cs", "Netflix"),  # Czech inflection
        ("איך מבטלים מנוי בנטפליקס", "he", "Netflix"),  # Hebrew prefix "in/on"
        ("كيف ألغي اشتراكي في نتفليكس", "ar", "Netflix"),
        ("كيف ألغي اشتراكي بنتفليكس", "ar", "Netflix"),  # Arabic attached preposition
        ("my xbox won't turn on", "en", "Xbox"),
        ("where is my FedEx parcel", "en", "FedEx"),
        ("can't install windows 11", "en", "Windows"),
    ],
)
def test_a_named_product_of_another_company_is_found(question, language, company):
    assert OtherCompanyNames(language, ["Our shop sells shoes."]).find(question) == company


@pytest.mark.parametrize(
    "question",
    [
        "the app crashes on my iphone",  # devices and systems are how customers reach us
        "can I pay with apple pay",  # a payment method, not Apple's product support
        "is there a limit on top ups",  # "ups" the word, not the courier
        "my windows are broken",  # "windows" alone is a common word
        "can I contact you on whatsapp",
        "",
    ],
)
def test_names_customers_use_about_us_are_not_flagged(question):
    assert OtherCompanyNames("en", ["Our shop sells shoes."]).find(question) is None


def test_a_name_the_kb_mentions_stays_in_scope():
    names = OtherCompanyNames("en", ["We ship every order with DHL Express.", "Returns"])
    assert names.find("where is my dhl parcel") is None
    assert names.find("where is my fedex parcel") == "FedEx"


def test_a_name_mentioned_in_one_script_is_allowed_in_every_spelling():
    names = OtherCompanyNames("he", ["אפשר לשלם ב-Amazon Pay"])
    assert names.find("ההזמנה מאמזון לא הגיעה") is None


def test_search_abstains_with_the_company_instead_of_answering_a_similar_article(demo_kb: KnowledgeBase):
    covered = demo_kb.search("how do I cancel my subscription", "en")
    other = demo_kb.search("how do I cancel my netflix subscription", "en")
    assert covered.decision != "abstain"
    assert (other.decision, other.other_company, other.candidates) == ("abstain", "Netflix", [])
    assert other.reason == "about another company's product: Netflix"
    assert covered.other_company is None


def test_search_keeps_a_company_the_articles_talk_about():
    kb = KnowledgeBase.build(
        [
            Article("couriers", "Which courier delivers my order", "en", "We ship with DHL and DPD.",
                    questions=("who delivers my parcel", "which courier do you use", "is it dhl")),
            Article("refunds", "Refunds", "en", "Refunds take 5 days.", questions=("where is my refund", "refund status")),
        ]
    )
    assert kb.search("my dhl parcel is late", "en").other_company is None
    assert kb.search("my fedex parcel is late", "en").other_company == "FedEx"
