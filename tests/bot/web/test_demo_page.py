"""The demo shop page (/demo): its search box and topic links lead into the real help centre."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from bot.kb.loader import load_articles
from bot.settings import load_settings
from bot.web.app import create_app


class _DemoPage(HTMLParser):
    """The page's search forms (with their fields) and its links into the help centre."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self.help_links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "form" and values.get("role") == "search":
            self.forms.append({**values, "fields": []})
        elif tag == "input" and self.forms:
            self.forms[-1]["fields"].append(values.get("name"))
        elif tag == "a" and (values.get("href") or "").startswith("/help/"):
            self.help_links.append(values["href"] or "")


@pytest.fixture
def demo_page(settings_env, sessions) -> _DemoPage:
    with TestClient(create_app(load_settings(settings_env))) as client:
        response = client.get("/demo")
    assert response.status_code == 200
    page = _DemoPage()
    page.feed(response.text)
    return page


def test_the_search_box_is_a_plain_get_form_to_the_help_centre_search(demo_page):
    assert demo_page.forms == [
        {"class": "search", "role": "search", "action": "/help/en/search", "method": "get", "fields": ["q"]}
    ]


def test_every_topic_link_names_an_english_article_or_category_of_the_kb(demo_page, settings):
    articles = [article for article in load_articles(settings.kb_dir) if article.language == "en"]
    known = {"/help/en"} | {f"/help/en/{article.id}" for article in articles} | {
        f"/help/en/category/{article.category}" for article in articles
    }
    assert len(demo_page.help_links) >= 10
    assert [link for link in demo_page.help_links if link not in known] == []
