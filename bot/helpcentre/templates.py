"""The help centre's HTML: one layout and the pieces pages share. Every value is escaped here.

No inline script or style (the service's CSP forbids both): the look comes from ``static/help.css``,
and nothing needs JavaScript except the chat widget on the "Ask our assistant" page.
"""
from __future__ import annotations

from html import escape
from urllib.parse import quote

from bot.helpcentre.texts import LANGUAGE_NAMES, HelpTexts, category_name, texts_for
from bot.kb.loader import Article

RTL_LANGUAGES = ("he", "ar")


def direction(language: str) -> str:
    return "rtl" if language in RTL_LANGUAGES else "ltr"


def home_url(language: str) -> str:
    return f"/help/{language}"


def article_url(article: Article) -> str:
    return f"/help/{article.language}/{quote(article.id, safe='')}"


def category_url(language: str, category: str) -> str:
    return f"/help/{language}/category/{quote(category, safe='')}"


def ask_url(language: str, question: str = "") -> str:
    return f"/help/{language}/ask" + (f"?q={quote(question, safe='')}" if question else "")


def contact_url(language: str) -> str:
    return f"/help/{language}/contact"


def layout(
    language: str,
    title: str,
    main: str,
    *,
    company: str,
    css_url: str,
    query: str = "",
    head: str = "",
    tail: str = "",
) -> str:
    """A whole page: header with the home link, language switcher and search box; ``main``; footer."""
    texts = texts_for(language)
    site = f"{company} · {texts.help_centre}"
    current = ' aria-current="true"'
    switcher = "".join(
        f'<li><a href="{home_url(code)}" lang="{code}" hreflang="{code}"{current if code == language else ""}>'
        f"{escape(name)}</a></li>"
        for code, name in LANGUAGE_NAMES.items()
    )
    return (
        f'<!doctype html><html lang="{language}" dir="{direction(language)}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · {escape(site)}</title>"
        f'<link rel="stylesheet" href="{escape(css_url, quote=True)}"><link rel="icon" href="data:,">{head}</head>'
        '<body><header class="site"><div class="bar">'
        f'<a class="brand" href="{home_url(language)}">{escape(site)}</a>'
        f'<nav class="languages" aria-label="{escape(texts.language, quote=True)}"><ul>{switcher}</ul></nav>'
        f"</div>{search_form(language, query)}</header>"
        f'<main id="main">{main}</main>'
        f'<footer class="site"><a href="{contact_url(language)}">{escape(texts.contact_us)}</a></footer>'
        f"{tail}</body></html>"
    )


SEARCH_INPUT_MAX_CHARS = 1000
"""Browsers stop a search at this length: a search is a question, and its GET URL then stays far below
what servers accept (uvicorn refuses a request line over about 64 KB before the app sees it). Longer
queries that arrive anyway are cut to ``MAX_MESSAGE_CHARS`` by the search page, which says so."""


def search_form(language: str, query: str = "") -> str:
    texts = texts_for(language)
    return (
        f'<form class="search" role="search" method="get" action="/help/{language}/search">'
        f'<label class="visually-hidden" for="help-search">{escape(texts.search_label)}</label>'
        f'<input id="help-search" type="search" name="q" value="{escape(query, quote=True)}" '
        f'placeholder="{escape(texts.search_placeholder, quote=True)}" maxlength="{SEARCH_INPUT_MAX_CHARS}" '
        'autocomplete="off">'
        f'<button type="submit">{escape(texts.search_button)}</button></form>'
    )


def breadcrumbs(language: str, *trail: tuple[str, str | None]) -> str:
    """Help centre › each (label, url) of ``trail``; the last one is the current page (url None)."""
    texts = texts_for(language)
    items = [f'<li><a href="{home_url(language)}">{escape(texts.help_centre)}</a></li>']
    for label, url in trail:
        items.append(
            f'<li><a href="{escape(url, quote=True)}">{escape(label)}</a></li>' if url
            else f'<li aria-current="page">{escape(label)}</li>'
        )
    return f'<nav class="breadcrumbs" aria-label="{escape(texts.you_are_here, quote=True)}"><ol>{"".join(items)}</ol></nav>'


def article_list(articles: list[Article], with_summary: bool = True) -> str:
    items = "".join(
        f'<li><a href="{article_url(a)}">{escape(a.title)}</a>'
        + (f"<p>{escape(a.chat_answer(200))}</p>" if with_summary else "")
        + "</li>"
        for a in articles
    )
    return f'<ul class="articles">{items}</ul>'


def category_grid(language: str, categories: list[str]) -> str:
    items = "".join(
        f'<li><a href="{category_url(language, c)}">{escape(category_name(c, language))}</a></li>' for c in categories
    )
    return f'<ul class="categories">{items}</ul>'


def still_need_help(language: str, question: str = "") -> str:
    """The two ways on: the assistant (with the question) and the contact page."""
    texts: HelpTexts = texts_for(language)
    return (
        f'<p class="next-steps"><a class="button" href="{escape(ask_url(language, question), quote=True)}">'
        f"{escape(texts.ask_assistant)}</a> "
        f'<a class="button secondary" href="{contact_url(language)}">{escape(texts.contact_us)}</a></p>'
    )
