"""The help centre's pages through the real app (TestClient), on a temporary KB and SQLite database."""
import os
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from bot.db import session_scope, utcnow
from bot.helpcentre.pages import clean_query, preferred_language
from bot.models import ArticleFeedback, Conversation, Customer, KbQuery
from bot.stack.supervisor import free_port
from tests.bot.kb.kb_articles import write_article

SAME_ORIGIN = {"Origin": "http://testserver"}




@pytest.mark.parametrize(("header", "language"), [
    ("he-IL,he;q=0.9,en;q=0.8", "he"), ("de-DE,cs;q=0.5,en;q=0.4", "cs"), ("fr", "en"), (None, "en"),
    ("en;q=0.2, ar;q=0.9", "ar"), ("he;q=0, cs;q=bad, ar", "ar"),
])
def test_preferred_language_follows_q_values(header, language):
    assert preferred_language(header) == language


def test_root_redirects_by_accept_language(help_site):
    response = help_site.client.get("/help", headers={"Accept-Language": "ar,en;q=0.5"}, follow_redirects=False)
    assert response.status_code == 302 and response.headers["location"] == "/help/ar"
    assert response.headers["vary"] == "Accept-Language"


def test_home_pages_have_categories_popular_articles_and_the_right_direction(help_site):
    english = help_site.client.get("/help/en")
    assert english.status_code == 200 and '<html lang="en" dir="ltr">' in english.text
    assert '<a href="/help/en/category/demo">Demo</a>' in english.text  # an unknown category: its name, title-cased
    assert "Popular articles" in english.text and 'href="/help/en/reset-password"' in english.text
    hebrew = help_site.client.get("/help/he")
    assert '<html lang="he" dir="rtl">' in hebrew.text and "מאמרים פופולריים" in hebrew.text
    assert 'href="/help/he/reset-password-he"' in hebrew.text
    assert '<html lang="ar" dir="rtl">' in help_site.client.get("/help/ar").text


def test_an_article_renders_its_steps_safely_with_breadcrumbs_feedback_and_related(help_site):
    page = help_site.client.get("/help/en/return-guide").text
    assert "<ol><li>Open <a href=\"/help/en/track-order\">your orders</a>.</li>" in page
    assert "<script>alert" not in page and "&lt;script&gt;alert" in page
    assert "javascript:" not in page and "data:text/html" not in page
    assert '<li><a href="/help/en/category/demo">Demo</a></li>' in page  # breadcrumbs
    assert 'action="/help/en/return-guide/feedback"' in page
    assert "Related articles" in page


def test_an_article_links_its_translations(help_site):
    page = help_site.client.get("/help/en/reset-password").text
    for other in ("reset-password-he", "reset-password-ar", "reset-password-cs"):
        assert f'href="/help/{other.rsplit("-", 1)[1]}/{other}"' in page


def test_an_article_under_another_language_leads_to_the_readers_version(help_site):
    response = help_site.client.get("/help/he/reset-password", follow_redirects=False)
    assert response.status_code == 302 and response.headers["location"] == "/help/he/reset-password-he"


@pytest.mark.parametrize(("url", "language", "title"), [
    ("/help/en/no-such-article", "en", "Page not found"),
    ("/help/he/no-such-article", "he", "הדף לא נמצא"),
    ("/help/cs/category/nothing", "cs", "Stránka nenalezena"),
    ("/help/ar/a/b/c", "ar", "الصفحة غير موجودة"),
    ("/help/xx", "en", "Page not found"),
])
def test_unknown_pages_are_404_in_the_right_language_with_search_and_home(help_site, url, language, title):
    response = help_site.client.get(url)
    assert response.status_code == 404
    assert f'<html lang="{language}"' in response.text and title in response.text
    assert f'action="/help/{language}/search"' in response.text and f'href="/help/{language}"' in response.text


def test_an_unknown_language_answers_in_the_browsers_language(help_site):
    response = help_site.client.get("/help/de/foo", headers={"Accept-Language": "he"})
    assert response.status_code == 404 and '<html lang="he" dir="rtl">' in response.text


def test_pages_are_cacheable_with_an_etag_and_answer_304_until_the_kb_changes(help_site):
    first = help_site.client.get("/help/en/track-order")
    etag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, max-age=300"
    again = help_site.client.get("/help/en/track-order", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert help_site.client.get("/help/he/track-order-he").headers["etag"] != etag

    path = write_article(help_site.kb_dir / "en", "track-order", "Where is my parcel?", "en",
                         ["where is my order", "track my package", "order status", "has my order shipped",
                          "when will my order arrive"], "Open **Orders** and follow the tracking link.")
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))
    changed = help_site.client.get("/help/en/track-order", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and "Where is my parcel?" in changed.text
    assert changed.headers["etag"] != etag


def test_the_stylesheet_has_a_versioned_long_cached_url(help_site):
    page = help_site.client.get("/help/en").text
    href = page.split('rel="stylesheet" href="')[1].split('"')[0]
    assert href.startswith("/help/static/help.css?v=")
    css = help_site.client.get(href)
    assert css.status_code == 200 and "margin-inline" in css.text
    assert "immutable" in css.headers["cache-control"]


def _feedback_rows(help_site) -> list[tuple[str, bool]]:
    with session_scope(help_site.sessions) as session:
        return [(row.article_id, row.helpful) for row in session.scalars(select(ArticleFeedback))]


def test_feedback_is_stored_once_per_browser_and_shows_thanks(help_site):
    response = help_site.client.post("/help/en/track-order/feedback", data={"helpful": "yes"}, headers=SAME_ORIGIN,
                                     follow_redirects=False)
    assert response.status_code == 303 and response.headers["cache-control"] == "no-store"
    assert response.headers["location"] == "/help/en/track-order?feedback=yes#feedback"
    assert "Thank you for your feedback!" in help_site.client.get(response.headers["location"]).text
    # the same browser (the client keeps the cookie) votes again: thanked, not counted
    again = help_site.client.post("/help/en/track-order/feedback", data={"helpful": "no"}, headers=SAME_ORIGIN,
                                  follow_redirects=False)
    assert again.status_code == 303
    assert _feedback_rows(help_site) == [("track-order", True)]


def test_a_no_vote_offers_the_assistant_and_contact(help_site):
    help_site.client.post("/help/he/refund-status-he/feedback", data={"helpful": "no"}, headers=SAME_ORIGIN)
    assert _feedback_rows(help_site) == [("refund-status-he", False)]
    page = help_site.client.get("/help/he/refund-status-he?feedback=no").text
    assert "תודה על המשוב!" in page and 'href="/help/he/contact"' in page and "/help/he/ask?q=" in page


@pytest.mark.parametrize("headers", [{}, {"Origin": "https://evil.example"}, {"Referer": "https://evil.example/x"},
                                     {"Origin": "null"}])
def test_feedback_from_another_site_or_no_site_is_refused(help_site, headers):
    response = help_site.client.post("/help/en/track-order/feedback", data={"helpful": "yes"}, headers=headers)
    assert response.status_code == 403 and "We could not record your answer" in response.text
    assert _feedback_rows(help_site) == []


def test_feedback_with_a_bad_answer_or_article_records_nothing(help_site):
    assert help_site.client.post("/help/en/track-order/feedback", data={"helpful": "maybe"},
                                 headers=SAME_ORIGIN).status_code == 400
    assert help_site.client.post("/help/en/nope/feedback", data={"helpful": "yes"},
                                 headers=SAME_ORIGIN).status_code == 404
    assert _feedback_rows(help_site) == []


def test_popular_articles_count_helpful_chat_answers_and_yes_votes_of_the_last_90_days(help_site):
    for _ in range(2):  # two browsers
        help_site.client.cookies.clear()
        help_site.client.post("/help/en/shipping-costs/feedback", data={"helpful": "yes"}, headers=SAME_ORIGIN)
    long_ago = utcnow() - timedelta(days=91)
    with session_scope(help_site.sessions) as session:
        session.add(KbQuery(conversation_id="c1", question="pay?", language="en", article_id="payment-methods",
                            outcome="answer", helped=True))
        session.add(KbQuery(conversation_id="c2", question="pay?", language="en", article_id="track-order",
                            outcome="answer", helped=False))
        session.add_all([ArticleFeedback(article_id="track-order", language="en", helpful=False),
                         ArticleFeedback(article_id="delete-account", language="en", helpful=True, created_at=long_ago),
                         ArticleFeedback(article_id="delete-account", language="en", helpful=True, created_at=long_ago)])
    popular = help_site.client.get("/help/en").text.split("Popular articles")[1].split("</section>")[0]
    shown = [part.split('"')[0] for part in popular.split('href="/help/en/')[1:]]
    # counted first (2, then 1), then the rest in KB order: the old votes and the unhelpful ones do not count
    assert shown == ["shipping-costs", "payment-methods", "cancel-order", "cancel-subscription", "delete-account",
                     "refund-status"]


def _logged_queries(help_site) -> list[tuple[str, str, str, str | None]]:
    with session_scope(help_site.sessions) as session:
        return [(q.channel, q.conversation_id, q.outcome, q.article_id) for q in session.scalars(select(KbQuery))]


def test_search_shows_ranked_results_and_logs_the_query(help_site):
    response = help_site.client.get("/help/en/search", params={"q": "where is my order"})
    assert response.status_code == 200 and response.headers["cache-control"] == "no-store"
    assert '<ol class="articles results"><li><a href="/help/en/track-order"' in response.text
    assert _logged_queries(help_site) == [("help_centre", "help_centre", "answer", "track-order")]
    with session_scope(help_site.sessions) as session:  # a reader is nobody's conversation
        assert session.scalar(select(func.count()).select_from(Customer)) == 0
        assert session.scalar(select(func.count()).select_from(Conversation)) == 0


def test_search_without_an_answer_says_so_and_offers_the_assistant_and_contact(help_site):
    response = help_site.client.get("/help/cs/search", params={"q": "recept na svíčkovou s knedlíkem"})
    assert "K tomuto tématu zatím nemáme žádný článek." in response.text
    assert 'href="/help/cs/ask?q=recept%20na%20sv%C3%AD%C4%8Dkovou%20s%20knedl%C3%ADkem"' in response.text
    assert 'href="/help/cs/contact"' in response.text
    assert _logged_queries(help_site) == [("help_centre", "help_centre", "abstain", None)]


@pytest.mark.parametrize("language, notice", [
    ("en", "Search is unavailable right now."), ("he", "החיפוש אינו זמין כרגע."),
    ("ar", "البحث غير متاح حالياً."), ("cs", "Vyhledávání teď není dostupné."),
])
def test_search_says_it_is_unavailable_when_the_action_server_is_down(help_site, language, notice):
    app = help_site.client.app
    app.state.settings = app.state.settings.model_copy(update={"action_server_url": f"http://127.0.0.1:{free_port()}/webhook"})

    response = help_site.client.get(f"/help/{language}/search", params={"q": "where is my order"})

    assert response.status_code == 503 and notice in response.text
    assert f'href="/help/{language}/contact"' in response.text  # the ways on still work
    assert 'name="q" value="where is my order"' in response.text  # and the question is kept
    assert help_site.client.get(f"/help/{language}").status_code == 200  # pages need no search


def test_an_empty_search_shows_the_search_box(help_site):
    for query in ("", "   ", "\x00\x01"):
        response = help_site.client.get("/help/en/search", params={"q": query})
        assert response.status_code == 200 and "Type a question to search the help centre." in response.text
        assert 'name="q" value="" placeholder="Describe your question" maxlength="1000"' in response.text
    assert help_site.client.get("/help/en/search").status_code == 200
    assert _logged_queries(help_site) == []


def test_a_huge_query_is_cut_to_the_message_limit_and_says_so(help_site):
    response = help_site.client.get("/help/en/search", params={"q": "where is my order " * 3000})  # 54 KB: httpx sends at most 64 KB of query
    assert response.status_code == 200
    assert "Your question was long, so we searched for its first" in response.text
    with session_scope(help_site.sessions) as session:
        assert session.scalar(select(func.max(func.length(KbQuery.question)))) <= 4000  # MAX_MESSAGE_CHARS


@pytest.mark.parametrize("query", [
    '<script>alert(1)</script>"><img src=x onerror=alert(2)>',
    "'; DROP TABLE kb_queries; --",
    "order\x00\x07\x1b[31m status\ufffd",
])
def test_hostile_queries_are_just_text(help_site, query):
    response = help_site.client.get("/help/en/search", params={"q": query})
    assert response.status_code == 200
    assert "<script>alert" not in response.text and "<img src=x" not in response.text
    assert "\x00" not in response.text and "\x1b" not in response.text
    assert len(_logged_queries(help_site)) == 1  # the table is still there


def test_clean_query_strips_control_characters_and_reports_a_cut():
    assert clean_query("a\x00b\n\tc  d", 100) == ("a b c d", False)
    assert clean_query("x" * 150, 100) == ("x" * 100, True)


def test_the_ask_page_carries_the_question_to_the_widget_and_allows_the_rasa_socket(help_site):
    response = help_site.client.get("/help/en/ask", params={"q": 'my "order" <b>'})
    assert response.headers["cache-control"] == "no-store"
    assert '<script src="/widget/effortless-chat.js"' in response.text
    assert 'data-open-with-question="my &quot;order&quot; &lt;b&gt;"' in response.text
    assert 'data-lang="en"' in response.text
    assert "script-src 'self'" in response.headers["content-security-policy"]


def test_the_contact_page_names_the_support_address(help_site):
    page = help_site.client.get("/help/ar/contact").text
    assert '<a href="mailto:support@acme.example">support@acme.example</a>' in page
    assert 'href="/help/ar/ask"' in page


def test_pages_carry_no_inline_script_or_style(help_site):
    for url in ("/help/en", "/help/he/reset-password-he", "/help/en/search?q=refund", "/help/en/nope"):
        page = help_site.client.get(url).text
        assert "<script" not in page and "<style" not in page and " style=" not in page
