"""The lexical component's TF-IDF rows are scikit-learn's own (to rounding), worked out without its per-call checks."""
import numpy as np
import pytest
from scipy import sparse
from sklearn.preprocessing import normalize

from bot.kb import text as kbtext
from bot.kb.components import LexicalComponent
from bot.kb.index_builder import article_texts
from bot.kb.out_of_scope import OUT_OF_SCOPE_QUESTIONS

HOSTILE_TEXTS = ["", "   ", "😀😀😀", "<script>alert(1)</script>", "'; DROP TABLE kb_queries; --", "x" * 5000,
                 "\x00\x01 binary \ufffd", "שלום, איך מאפסים סיסמה?", "كيف أعيد تعيين كلمة المرور؟", "Jak změním heslo?",
                 "reset reset reset password password"]


def lexical_component(demo_kb, language: str) -> LexicalComponent:
    return next(c for c in demo_kb._indexes[language].components if isinstance(c, LexicalComponent))


def scikit_learns_rows(component: LexicalComponent, texts: list[str]) -> sparse.csr_matrix:
    """What the component computed before: the vectorizers' own ``transform``, side by side, normalised."""
    words = component.word_vectorizer.transform(texts)
    chars = component.char_vectorizer.transform([kbtext.char_text(text, component.language) for text in texts])
    return normalize(sparse.hstack([words, chars]).tocsr())


@pytest.mark.parametrize("language", ["en", "he", "ar", "cs"])
def test_the_rows_are_scikit_learns_for_every_text_an_index_or_a_customer_gives(demo_kb, language):
    component = lexical_component(demo_kb, language)
    articles = [article_texts(article) for article in demo_kb._indexes[language].articles]
    texts = [title for title, _, _ in articles] + [q for _, questions, _ in articles for q in questions]
    texts += [document for _, _, document in articles]  # the article texts the index is built from
    texts += [kbtext.clean(q) for q in OUT_OF_SCOPE_QUESTIONS[language]]  # and the built-in off-topic questions
    texts += HOSTILE_TEXTS + [kbtext.clean(text) for text in HOSTILE_TEXTS]  # as typed, and as a search gets them

    ours, theirs = component.transform(texts), scikit_learns_rows(component, texts)

    assert ours.shape == theirs.shape and ours.has_canonical_format
    assert np.array_equal(ours.indptr, theirs.indptr) and np.array_equal(ours.indices, theirs.indices)
    assert np.allclose(ours.data, theirs.data, rtol=0, atol=1e-12)
    assert ours[texts.index("")].nnz == 0  # a text without features is an empty row, not an error


def test_no_texts_are_no_rows(demo_kb):
    component = lexical_component(demo_kb, "en")
    width = len(component.word_vectorizer.vocabulary_) + len(component.char_vectorizer.vocabulary_)

    assert component.transform([]).shape == (0, width)
