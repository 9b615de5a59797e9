"""Search decisions on a small realistic KB: answer, clarify, abstain; languages; bad input."""
import pytest

from bot.kb.loader import Article
from bot.kb.search import KnowledgeBase
from tests.bot.kb.kb_articles import DEMO_ARTICLES


@pytest.mark.parametrize(
    "question, language, article_id",
    [
        ("I can't remember my password", "en", "reset-password"),
        ("my package still hasn't come", "en", "track-order"),
        ("Can I pay with PayPal?", "en", "payment-methods"),
        ("how much does delivery cost", "en", "shipping-costs"),
        ("I want to close my account", "en", "delete-account"),
        ("שָׁכַחְתִּי אֶת הַסִּיסְמָה", "he", "reset-password-he"),  # with niqqud; the article has none
        ("מתי תגיע החבילה שלי", "he", "track-order-he"),
        ("نَسِيتُ كَلِمَةَ المُرُور", "ar", "reset-password-ar"),  # with tashkeel
        ("نسيت كلمه المرور", "ar", "reset-password-ar"),  # ta marbuta typed as ha
        ("متى يصل طلبي", "ar", "track-order-ar"),
        ("zapomnel jsem heslo", "cs", "reset-password-cs"),  # Czech without diacritics
        ("Kdy dorazí můj balík?", "cs", "track-order-cs"),
    ],
)
def test_a_paraphrase_of_a_covered_question_is_answered(demo_kb: KnowledgeBase, question, language, article_id):
    result = demo_kb.search(question, language=language)
    assert result.decision == "answer", result
    assert result.top.article_id == article_id
    assert result.top.url == f"https://help.example.com/{article_id}"
    assert result.language == language


def test_an_ambiguous_question_asks_did_you_mean_with_both_titles(demo_kb: KnowledgeBase):
    result = demo_kb.search("I want to cancel", language="en")
    assert result.decision == "clarify"
    assert {c.article_id for c in result.clarify_options} == {"cancel-order", "cancel-subscription"}
    assert [c.title for c in result.clarify_options][:2] == ["Cancel an order", "Cancel your subscription"]


@pytest.mark.parametrize(
    "question, language",
    [
        ("will it snow in prague on friday", "en"),
        ("who is the best footballer ever", "en"),
        ("recommend a pizza place", "en"),
        ("is the new iphone better than samsung", "en"),
        ("how do I bake bread", "en"),
        ("מי ינצח בבחירות", "he"),
        ("ما هو أفضل هاتف", "ar"),
        ("jak upéct chleba", "cs"),
    ],
)
def test_an_out_of_scope_question_is_never_answered_as_if_covered(demo_kb: KnowledgeBase, question, language):
    """On this 8-article lexical KB most are abstained; a couple are only offered as "Did you mean …?"
    (with "None of these"): too few articles to learn the domain's vocabulary. The shipped KB with
    embeddings abstains on all of them (test_the_shipped_kb_abstains_out_of_domain_questions)."""
    result = demo_kb.search(question, language=language)
    assert result.decision != "answer", result
    assert result.decision == "clarify" or result.reason.startswith("low confidence")


def test_search_stays_within_the_customers_language(demo_kb: KnowledgeBase):
    result = demo_kb.search("where is my order", language="cs")
    assert all(c.article_id.endswith("-cs") for c in result.candidates)
    assert result.decision == "abstain"  # an English question is not a Czech one


def test_scores_are_probabilities_sorted_best_first(demo_kb: KnowledgeBase):
    result = demo_kb.search("refund my order", language="en")
    scores = [c.score for c in result.candidates]
    assert all(0.0 <= s <= 1.0 for s in scores) and scores == sorted(scores, reverse=True)
    assert 0.0 <= result.in_scope <= 1.0


def test_excluded_articles_are_never_offered_again(demo_kb: KnowledgeBase):
    first = demo_kb.search("where is my order", language="en")
    again = demo_kb.search("where is my order", language="en", exclude_ids=[first.top.article_id])
    assert first.top.article_id not in {c.article_id for c in again.candidates}
    everything = [a.id for a in demo_kb.articles if a.language == "en"]
    assert demo_kb.search("where is my order", "en", exclude_ids=everything).reason == "every article was already offered"


def test_an_article_that_did_not_help_is_excluded_in_every_language(demo_kb: KnowledgeBase):
    """A customer who switched to Hebrew after the English article did not help gets no Hebrew copy of it."""
    assert demo_kb.with_translations(["reset-password", "unknown-id"]) == {
        "reset-password", "reset-password-he", "reset-password-ar", "reset-password-cs", "unknown-id"}
    assert demo_kb.with_translations([]) == frozenset()
    assert demo_kb.search("שכחתי את הסיסמה", "he").top.article_id == "reset-password-he"
    again = demo_kb.search("שכחתי את הסיסמה", "he", exclude_ids=["reset-password"])
    assert "reset-password-he" not in {c.article_id for c in again.candidates}


def test_after_a_no_the_runner_up_is_offered_only_when_it_was_plausible(demo_kb: KnowledgeBase):
    cancel = demo_kb.search("how do I cancel", "en")
    assert cancel.top.article_id == "cancel-order"
    assert cancel.next_best(["cancel-order"]).article_id == "cancel-subscription"

    password = demo_kb.search("zapomněl jsem heslo", "cs")
    assert password.top.article_id == "reset-password-cs"
    assert password.next_best(["reset-password-cs"]) is None  # orders and refunds are no answer to it


def test_article_lookup_returns_none_for_unknown_ids(demo_kb: KnowledgeBase):
    assert demo_kb.article("track-order").title == "Where is my order?"
    assert demo_kb.article("no-such-article") is None
    assert demo_kb.article(None) is None


def test_article_counts_per_language(demo_kb: KnowledgeBase):
    assert demo_kb.article_counts() == {"en": 8, "he": 3, "ar": 3, "cs": 3}


@pytest.mark.parametrize(
    "question, reason",
    [
        ("", "empty question"),
        ("   \n\t ", "empty question"),
        ("😀🙏🔥", "the question has no words"),
        ("<script>alert('x')</script>", "empty question"),
    ],
)
def test_questions_without_words_are_abstained_with_a_reason(demo_kb: KnowledgeBase, question, reason):
    result = demo_kb.search(question, language="en")
    assert (result.decision, result.reason, result.candidates) == ("abstain", reason, [])


def test_html_around_a_question_is_ignored(demo_kb: KnowledgeBase):
    result = demo_kb.search("<b>where is my order</b><script>steal()</script>", language="en")
    assert (result.decision, result.top.article_id) == ("answer", "track-order")


def test_a_100_kb_question_is_searched_by_its_start_quickly(demo_kb: KnowledgeBase):
    import time

    started = time.perf_counter()
    result = demo_kb.search("where is my order " + "x" * 100_000, language="en")
    assert time.perf_counter() - started < 1.0
    assert result.top.article_id == "track-order"


@pytest.mark.parametrize(
    "question", ["'; DROP TABLE kb_queries; --", "1 OR 1=1", "SELECT * FROM users WHERE name = 'admin'"]
)
def test_sql_looking_questions_are_just_text(demo_kb: KnowledgeBase, question):
    result = demo_kb.search(question, language="en")
    assert result.decision == "abstain", result  # searched like any text, and no article covers it


def test_a_language_without_articles_or_an_unsupported_one_abstains(demo_kb: KnowledgeBase):
    english_only = KnowledgeBase.build([a for a in demo_kb.articles if a.language == "en"])
    assert english_only.search("kde je moje objednávka", "cs").reason == "no articles in language cs"
    assert demo_kb.search("où est ma commande", "fr").reason == "unsupported language 'fr'"


def test_an_empty_kb_abstains_on_everything():
    result = KnowledgeBase.build([]).search("where is my order", "en")
    assert (result.decision, result.reason) == ("abstain", "the knowledge base is empty")


def test_a_tiny_kb_still_answers_and_abstains_sensibly():
    """Too few questions to calibrate on: the built-in fallback uses lexical similarity."""
    kb = KnowledgeBase.build(
        [
            Article("pw", "Reset your password", "en", "Use Forgot password.", questions=("I forgot my password",)),
            Article("ship", "Shipping costs", "en", "Free over 50 EUR.", questions=("how much is shipping",)),
        ]
    )
    assert kb.search("I forgot my password", "en").top.article_id == "pw"
    assert kb.search("I forgot my password", "en").decision == "answer"
    assert kb.search("what is the capital of peru", "en").decision == "abstain"


def test_every_demo_article_answers_its_own_title(demo_kb: KnowledgeBase):
    for article_id, title, language, _, _ in DEMO_ARTICLES:
        assert demo_kb.search(title, language).top.article_id == article_id


def test_an_uncovered_question_in_the_kbs_domain_is_not_answered_and_reads_as_a_gap(demo_kb: KnowledgeBase):
    result = demo_kb.search("is there a student discount", language="en")
    assert (result.decision, result.coverage) == ("abstain", "not_covered")


def test_abstentions_and_answers_say_why(demo_kb: KnowledgeBase):
    assert demo_kb.search("who is the best footballer ever", "en").coverage == "out_of_domain"
    assert demo_kb.search("I can't remember my password", "en").coverage == "covered"
    assert demo_kb.search("", "en").coverage == "out_of_domain"


def test_the_gates_boosted_trees_give_scikit_learns_own_predictions():
    """The trees are applied with numpy from scikit-learn's fitted nodes: a scikit-learn upgrade that
    changes those internals must fail here, not silently change every answer."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier

    from bot.kb.scorer import BoostedTrees

    rng = np.random.default_rng(0)
    x = rng.normal(size=(2000, 6))
    y = (x[:, 0] * x[:, 1] + x[:, 2] > 0.3).astype(int)
    trees = BoostedTrees.fit(x, y)
    reference = HistGradientBoostingClassifier(
        max_depth=3, max_iter=100, learning_rate=0.1, early_stopping=False, random_state=0
    ).fit(x, y)
    probe = rng.normal(size=(500, 6))
    np.testing.assert_allclose(trees.logit(probe), reference.decision_function(probe), rtol=1e-6, atol=1e-6)


def test_a_search_skips_scikit_learns_checks_of_its_own_arrays_and_decides_the_same(demo_kb: KnowledgeBase, monkeypatch):
    """The arrays a search hands scikit-learn are the index's and the embedding model's: its NaN scan and
    argument checks cost 0.5-1 ms of a 4-7 ms search (docs/performance.md) and change nothing it decides."""
    import sklearn
    import sklearn.utils.validation as validation

    questions = [("I can't remember my password", "en"), ("I want to cancel", "en"), ("will it snow tomorrow", "en"),
                 ("מתי תגיע החבילה שלי", "he"), ("نسيت كلمه المرور", "ar"), ("Kdy dorazí můj balík?", "cs")]
    with sklearn.config_context(assume_finite=False, skip_parameter_validation=False):
        checked = [demo_kb._search(question, language, ()) for question, language in questions]

    checks = []
    check = validation._assert_all_finite

    def scan_unless_told_not_to(*args, **kwargs):
        config = sklearn.get_config()
        checks.append(config["assume_finite"] and config["skip_parameter_validation"])
        return check(*args, **kwargs)

    monkeypatch.setattr(validation, "_assert_all_finite", scan_unless_told_not_to)
    assert [demo_kb.search(question, language) for question, language in questions] == checked
    assert checks and all(checks), "a search let scikit-learn check its arrays or its arguments"
    after = sklearn.get_config()  # the caller's settings are left as they were
    assert after["assume_finite"] is False and after["skip_parameter_validation"] is False
