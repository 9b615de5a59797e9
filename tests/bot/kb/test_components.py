"""The lexical component's TF-IDF rows are scikit-learn's own, worked out without its per-call checks."""
import numpy as np
import pytest
from scipy import sparse
from sklearn.preprocessing import normalize

from bot.kb import text as kbtext
from bot.kb.components import LexicalComponent

HOSTILE_TEXTS = ["", "   ", "😀😀😀", "<script>alert(1)</script>", "'; DROP TABLE kb_queries; --", "x" * 5000,
                 "\x00\x01 binary \ufffd", "שלום, איך מאפסים סיסמה?", "كيف أعيد تعيين كلمة المرور؟", "Jak změním heslo?"]


def scikit_learns_rows(component: LexicalComponent, texts: list[str]) -> sparse.csr_matrix:
    """What the component computed before: the vectorizers' own ``transform``, side by side, normalised."""
    words = component.word_vectorizer.transform(texts)
    chars = component.char_vectorizer.transform([kbtext.char_text(text, component.language) for text in texts])
    return normalize(sparse.hstack([words, chars]).tocsr())


@pytest.mark.parametrize("language", ["en", "he", "ar", "cs"])
def test_a_questions_rows_are_scikit_learns_for_every_kind_of_text(demo_kb, language):
    index = demo_kb._indexes[language]
    component = next(c for c in index.components if isinstance(c, LexicalComponent))
    texts = [kbtext.clean(text) for article in index.articles for text in (article.title, *article.questions)]
    texts += [kbtext.clean(text) for text in HOSTILE_TEXTS] + ["how do I reset my password reset password"]

    ours, theirs = component.transform(texts), scikit_learns_rows(component, texts)

    assert ours.shape == theirs.shape and ours.has_sorted_indices
    assert np.array_equal(ours.indptr, theirs.indptr) and np.array_equal(ours.indices, theirs.indices)
    assert np.allclose(ours.data, theirs.data, rtol=0, atol=1e-12)
    assert ours[len(texts) - len(HOSTILE_TEXTS) - 1].nnz == 0  # "" has no features, and stays an empty row


def test_no_texts_are_no_rows(demo_kb):
    component = demo_kb._indexes["en"].components[0]
    assert component.transform([]).shape == (0, scikit_learns_rows(component, ["x"]).shape[1])
