"""A safe Markdown renderer for the subset KB articles use.

Articles are written by support staff, not developers, and the help centre is public, so the output
is built from escaped text only: raw HTML in an article shows as text, and a link becomes ``<a>`` only
when it points to http(s) or to a help-centre page (``/help/...``); ``javascript:``, ``data:`` and
anything else stay plain text. Supported: paragraphs, headings (``#`` becomes ``<h2>``: the page
title is the ``<h1>``), bullet and numbered lists (a guide's steps are an ``<ol>``), ``**bold**``,
``*emphasis*``, ``` `code` ```, fenced code blocks, quotes, rules and ``[text](url)`` links.
"""
from __future__ import annotations

import re
from html import escape

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^\s{0,3}[-*+]\s+(.*)$")
_NUMBERED = re.compile(r"^\s{0,3}(\d{1,9})[.)]\s+(.*)$")
_RULE = re.compile(r"^\s{0,3}([-*_])(\s*\1){2,}\s*$")
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_QUOTE = re.compile(r"^\s{0,3}>\s?(.*)$")
_INLINE = re.compile(
    r"(?P<code>`+)(?P<code_text>.+?)(?P=code)"
    r"|\[(?P<link_text>[^\]]*)\]\(\s*(?P<url>[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?:\s+\"[^\"]*\")?\)"
    r"|(?P<strong>\*\*|__)(?P<strong_text>.+?)(?P=strong)"
    r"|\*(?P<em_text>[^*\s](?:[^*]*[^*\s])?)\*"
)
_SAFE_SCHEME = re.compile(r"^https?://[^\s\x00-\x1f\x7f]+$", re.IGNORECASE)
SITE_LINK_PREFIX = "/help/"


def render(markdown: str) -> str:
    """The article body as HTML; every character of the source is escaped or Markdown syntax."""
    return "\n".join(_blocks(markdown.replace("\r\n", "\n").replace("\r", "\n").split("\n")))


def inline(text: str) -> str:
    """One line of Markdown text (bold, emphasis, code, links) as escaped HTML."""
    out = []
    position = 0
    for match in _INLINE.finditer(text):
        out.append(escape(text[position : match.start()]))
        position = match.end()
        if match.group("code"):
            out.append(f"<code>{escape(match.group('code_text').strip())}</code>")
        elif match.group("url") is not None:
            out.append(_link(match.group("link_text"), match.group("url")))
        elif match.group("strong"):
            out.append(f"<strong>{inline(match.group('strong_text'))}</strong>")
        else:
            out.append(f"<em>{inline(match.group('em_text'))}</em>")
    out.append(escape(text[position:]))
    return "".join(out)


def safe_href(url: str) -> str | None:
    """``url`` when a reader may follow it (http, https, or a help-centre page), else None."""
    url = url.strip()
    if _SAFE_SCHEME.match(url):
        return url
    if url.startswith(SITE_LINK_PREFIX) and not re.search(r"[\s\x00-\x1f\x7f\\]", url):
        return url
    return None


def _link(text: str, url: str) -> str:
    label = inline(text) if text.strip() else escape(url)
    href = safe_href(url)
    if href is None:
        return label  # an unsafe target: the words stay, the link goes
    external = "" if href.startswith(SITE_LINK_PREFIX) else ' rel="noopener noreferrer nofollow"'
    return f'<a href="{escape(href, quote=True)}"{external}>{label}</a>'


def _blocks(lines: list[str]) -> list[str]:
    html: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.strip():
            index += 1
        elif _FENCE.match(line):
            index = _code_block(lines, index, html)
        elif heading := _HEADING.match(line):
            level = min(len(heading.group(1)) + 1, 6)
            html.append(f"<h{level}>{inline(heading.group(2))}</h{level}>")
            index += 1
        elif _RULE.match(line):
            html.append("<hr>")
            index += 1
        elif _BULLET.match(line) or _NUMBERED.match(line):
            index = _list(lines, index, html)
        elif _QUOTE.match(line):
            quoted = []
            while index < len(lines) and (quote := _QUOTE.match(lines[index])):
                quoted.append(quote.group(1))
                index += 1
            html.append(f"<blockquote>{''.join(_blocks(quoted))}</blockquote>")
        else:
            paragraph = []
            while index < len(lines) and lines[index].strip() and not _starts_block(lines[index]):
                paragraph.append(lines[index].strip())
                index += 1
            html.append(f"<p>{inline(' '.join(paragraph))}</p>")
    return html


def _starts_block(line: str) -> bool:
    return bool(
        _HEADING.match(line) or _BULLET.match(line) or _NUMBERED.match(line) or _FENCE.match(line)
        or _QUOTE.match(line) or _RULE.match(line)
    )


def _code_block(lines: list[str], index: int, html: list[str]) -> int:
    fence = _FENCE.match(lines[index])
    assert fence is not None
    code = []
    index += 1
    while index < len(lines) and not lines[index].lstrip().startswith(fence.group(1)):
        code.append(lines[index])
        index += 1
    html.append(f"<pre><code>{escape(chr(10).join(code))}</code></pre>")
    return index + 1


def _list(lines: list[str], index: int, html: list[str]) -> int:
    """One bullet or numbered list; indented lines continue the item above them."""
    numbered = _NUMBERED.match(lines[index])
    pattern = _NUMBERED if numbered else _BULLET
    items: list[list[str]] = []
    while index < len(lines):
        line = lines[index]
        item = pattern.match(line)
        if item:
            items.append([item.group(item.lastindex or 1)])
        elif line.strip() and items and line.startswith((" ", "\t")) and not _starts_block(line.strip()):
            items[-1].append(line.strip())
        elif not line.strip() and index + 1 < len(lines) and pattern.match(lines[index + 1]):
            pass  # a blank line between two items ("loose" list): still one list
        else:
            break
        index += 1
    tag = "ol" if numbered else "ul"
    start = int(numbered.group(1)) if numbered else 1
    opening = f'<{tag} start="{start}">' if start != 1 else f"<{tag}>"
    body = "".join(f"<li>{inline(' '.join(parts))}</li>" for parts in items)
    html.append(f"{opening}{body}</{tag}>")
    return index
