"""The documentation holds together: README.md stays a short front door, and every relative link
and ``#anchor`` in README.md and docs/*.md points to a file and a heading that exist.

Anchors follow GitHub's rules: the heading text lower-cased, punctuation other than ``-`` and
spaces dropped, spaces turned into ``-``; a repeated heading gets ``-1``, ``-2``, ...
"""
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
README_MAX_LINES = 250
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]

FENCE = re.compile(r"^\s*(```|~~~)")
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
# [text](target) and ![alt](target); the target ends at whitespace (an optional "title" follows).
LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]*)>?(?:\s+\"[^\"]*\")?\s*\)")
INLINE_CODE = re.compile(r"`+[^`]*`+")
EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)  # https:, mailto:, ...


def _prose_lines(text: str) -> list[tuple[int, str]]:
    """(line number, line) outside fenced code blocks."""
    lines, fenced = [], False
    for number, line in enumerate(text.splitlines(), 1):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append((number, line))
    return lines


def github_slug(heading: str) -> str:
    """GitHub's anchor for a heading: markup removed, lower case, punctuation dropped, spaces → '-'."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link in a heading keeps its text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML tags
    text = text.replace("`", "").lower()
    text = re.sub(r"[^\w\- ]", "", text)  # \w keeps letters and digits of any script, and _
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    found: set[str] = set()
    seen: dict[str, int] = {}
    for _, line in _prose_lines(path.read_text(encoding="utf-8")):
        match = HEADING.match(line)
        if not match:
            continue
        slug = github_slug(match.group(2))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        found.add(slug if count == 0 else f"{slug}-{count}")
    return found


def links(path: Path) -> list[tuple[int, str]]:
    """(line number, target) of every link outside code; a link's text may span lines."""
    prose = [""] * len(path.read_text(encoding="utf-8").splitlines())
    for number, line in _prose_lines(path.read_text(encoding="utf-8")):
        prose[number - 1] = INLINE_CODE.sub("", line)
    text = "\n".join(prose)
    return [(text.count("\n", 0, match.end()) + 1, match.group(1)) for match in LINK.finditer(text)]


def broken_links(path: Path, root: Path = ROOT) -> list[str]:
    """One line per link in ``path`` whose file or heading does not exist."""
    problems = []
    for number, target in links(path):
        if not target or EXTERNAL.match(target):
            continue
        file_part, _, anchor = target.partition("#")
        linked = (path.parent / file_part).resolve() if file_part else path
        where = f"{path.relative_to(root)}:{number}: {target}"
        if not linked.exists():
            problems.append(f"{where}: no such file")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            problems.append(f"{where}: no heading with the anchor #{anchor} in {linked.relative_to(root)}")
    return problems


def test_github_slug_follows_githubs_rules():
    assert github_slug("Escalation to a person, live handoff and handback") == (
        "escalation-to-a-person-live-handoff-and-handback"
    )
    assert github_slug("What `make test` runs") == "what-make-test-runs"
    assert github_slug("Replies reach the customer's chat") == "replies-reach-the-customers-chat"
    assert github_slug("Optional: sentence embeddings") == "optional-sentence-embeddings"
    assert github_slug("Protocol (for integrators)") == "protocol-for-integrators"


def test_the_check_finds_a_missing_file_and_a_missing_anchor(tmp_path):
    (tmp_path / "other.md").write_text("# Other\n\n## A section\n", encoding="utf-8")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n[fine](other.md#a-section) [gone](missing.md) [bad](other.md#no-such) [self](#page)\n"
        "[web](https://example.com/x.md) `[code](missing-in-code.md)` [two\nlines](gone-too.md)\n"
        "```\n[fenced](missing-in-fence.md)\n```\n",
        encoding="utf-8",
    )
    assert broken_links(page, root=tmp_path) == [
        "page.md:3: missing.md: no such file",
        "page.md:3: other.md#no-such: no heading with the anchor #no-such in other.md",
        "page.md:5: gone-too.md: no such file",
    ]


def test_readme_is_a_short_front_door():
    lines = len(README.read_text(encoding="utf-8").splitlines())
    assert lines <= README_MAX_LINES, f"README.md has {lines} lines; keep it at most {README_MAX_LINES} (details go to docs/)"


def test_the_docs_exist():
    assert len(PAGES) > 1, "docs/*.md not found"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_and_anchor_resolves(page):
    assert broken_links(page) == []
