"""The demo shop page (/demo): its search box and topic links lead into the real help centre."""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from bot.db import migrate
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


@pytest.fixture(scope="module")
def client(tmp_path_factory, pytestconfig) -> Iterator[TestClient]:
    """One app on the demo KB for the module. The lexical index alone (no embedding model) is enough
    to know which pages exist; fitting it takes a minute on a busy machine, so the built index is kept
    in pytest's cache folder (keyed by the articles and the code, like any KB_INDEX_CACHE_DIR)."""
    var_dir = tmp_path_factory.mktemp("demo-page")
    settings = load_settings({
        "EFFORTLESS_VAR_DIR": str(var_dir), "LOG_LEVEL": "WARNING", "KB_EMBEDDING_MODEL": "",
        "KB_INDEX_CACHE_DIR": str(pytestconfig.cache.mkdir("kb-index-cache")),
    })
    migrate(settings)
    with TestClient(create_app(settings)) as test_client:
        yield test_client


@pytest.fixture
def demo_page(client: TestClient) -> _DemoPage:
    response = client.get("/demo")
    assert response.status_code == 200
    page = _DemoPage()
    page.feed(response.text)
    return page


def test_the_search_box_is_a_plain_get_form_to_the_help_centre_search(demo_page):
    assert demo_page.forms == [
        {"class": "search", "role": "search", "action": "/help/en/search", "method": "get", "fields": ["q"]}
    ]


def test_every_topic_link_opens_a_help_centre_page(demo_page, client):
    """The cards name real categories and articles of the demo KB: a renamed article would be a 404 here."""
    assert len(demo_page.help_links) >= 10
    assert {link: client.get(link).status_code for link in demo_page.help_links} == {
        link: 200 for link in demo_page.help_links
    }
