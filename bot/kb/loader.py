"""Read KB articles from ``Settings.kb_dir``: one Markdown file per article with YAML front matter.

Written for non-developers editing files: every problem names the file and says what to fix, all
problems are collected in one pass (not just the first), and nothing here raises anything but
:class:`KbLoadError`.

    ---
    id: reset-password
    title: How to reset your password
    language: en            # en, he, ar or cs
    url: https://help.example.com/reset-password   # optional; else its help-centre page
    kind: guide                                    # optional: faq, guide (needs "1. " steps) or article
    category: account                              # optional; else the first tag
    summary: Short chat answer.                    # optional; else the body's first paragraph
    tags: [account, login]                         # optional
    questions:                                     # example customer questions (recommended)
      - I forgot my password
    ---
    Markdown body ...
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot.language import SUPPORTED_LANGUAGES

ARTICLE_SUFFIX = ".md"
ARTICLE_KINDS = ("faq", "guide", "article")
"""How an article is sent in chat: a ``faq`` whole, a ``guide`` as its steps, an ``article`` as its
summary and link (see docs/kb-authoring.md)."""
MAX_FILE_BYTES = 1_000_000
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,199}$")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)(.*)\Z", re.DOTALL)
_HEADING_OR_RULE = re.compile(r"^\s*(#{1,6}\s|[-*_]{3,}\s*$)")
_MARKDOWN_EMPHASIS = re.compile(r"(\*\*|__|`)")
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_SENTENCE_END = re.compile(r"(?<=[.!?。؟])\s")
_NUMBERED_STEP = re.compile(r"^ {0,3}\d{1,3}[.)]\s+(\S.*)$")
_CONTINUATION = re.compile(r"^(?: {2,}|\t)\S")
_HEADING_MARK = re.compile(r"^[ \t]*#{1,6}[ \t]+", re.MULTILINE)


@dataclass(frozen=True)
class Article:
    """One KB article, as the author wrote it (``path`` is where it came from)."""

    id: str
    title: str
    language: str
    body: str
    url: str | None = None
    tags: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()
    summary: str = ""
    kind: str = "article"
    category: str = ""
    """The help-centre category: the ``category`` field, else the first tag ("" when neither)."""
    path: Path | None = None

    @property
    def steps(self) -> tuple[str, ...]:
        """The numbered steps of the body's first ordered list, as plain text (a guide is sent as these)."""
        return numbered_steps(self.body)

    @property
    def translation_key(self) -> str:
        """What the versions of one article in several languages share: the id without its
        ``-<language>`` suffix (``reset-password-he`` and ``reset-password`` are one article)."""
        suffix = f"-{self.language}"
        return self.id[: -len(suffix)] if self.id.endswith(suffix) else self.id

    def chat_answer(self, max_chars: int = 600) -> str:
        """A short plain-text answer for a chat bubble: the summary, else the body's first paragraph,
        cut at a sentence end (or a word end with "…") to fit ``max_chars``."""
        text = plain_text(self.summary or _first_paragraph(self.body) or self.title)
        if len(text) <= max_chars:
            return text
        cut = text[: max_chars - 1]
        sentence_ends = [m.start() for m in _SENTENCE_END.finditer(cut + " ")]
        if sentence_ends and sentence_ends[-1] >= max_chars // 3:
            return cut[: sentence_ends[-1]].rstrip()
        return cut.rsplit(" ", 1)[0].rstrip(" ,;:") + "…"


def plain_text(markdown: str) -> str:
    """Markdown as a chat bubble shows it: links become their text (whatever their target, site-relative
    ones too), emphasis and heading marks go; line breaks stay."""
    text = _MARKDOWN_LINK.sub(r"\1", markdown)
    return _HEADING_MARK.sub("", _MARKDOWN_EMPHASIS.sub("", text)).strip()


def numbered_steps(body: str) -> tuple[str, ...]:
    """The items of the first numbered list ("1. …" lines) in ``body``, as plain text.

    An indented line continues the step above it; the list ends at the first other line after it began
    (blank lines between items are allowed, as Markdown allows them).
    """
    steps: list[str] = []
    for line in body.splitlines():
        item = _NUMBERED_STEP.match(line)
        if item:
            steps.append(item.group(1).strip())
        elif steps and _CONTINUATION.match(line):
            steps[-1] = f"{steps[-1]} {line.strip()}"
        elif steps and line.strip():
            break
    return tuple(plain_text(step) for step in steps)


def _first_paragraph(body: str) -> str:
    for block in re.split(r"\n\s*\n", body.strip()):
        lines = [line for line in block.splitlines() if line.strip() and not _HEADING_OR_RULE.match(line)]
        if lines:
            return " ".join(line.strip() for line in lines)
    return ""


@dataclass(frozen=True)
class KbProblem:
    """Something wrong with one file (or the KB folder itself)."""

    path: Path
    reason: str

    def __str__(self) -> str:
        return f"{self.path}: {self.reason}"


class KbLoadError(Exception):
    """The KB folder cannot be loaded as it is; ``problems`` lists every file and reason."""

    def __init__(self, problems: list[KbProblem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


@dataclass
class KbScan:
    """Everything found in a KB folder: the good articles and the problems (one per bad file)."""

    articles: list[Article] = field(default_factory=list)
    problems: list[KbProblem] = field(default_factory=list)


def article_files(kb_dir: Path) -> list[Path]:
    """The article files under ``kb_dir`` (any depth), sorted; hidden files and folders are skipped."""
    kb_dir = Path(kb_dir)
    return sorted(
        p
        for p in kb_dir.rglob(f"*{ARTICLE_SUFFIX}")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(kb_dir).parts)
    )


def scan_articles(kb_dir: Path) -> KbScan:
    """Parse every article file, collecting problems instead of stopping at the first."""
    kb_dir = Path(kb_dir)
    scan = KbScan()
    if not kb_dir.is_dir():
        scan.problems.append(KbProblem(kb_dir, "the KB folder does not exist (set KB_DIR)"))
        return scan
    seen: dict[str, Path] = {}
    for path in article_files(kb_dir):
        try:
            article = parse_article(path)
        except ValueError as exc:
            scan.problems.append(KbProblem(path, str(exc)))
            continue
        if article.id in seen:
            scan.problems.append(KbProblem(path, f"duplicate id {article.id!r} (already used by {seen[article.id]})"))
            continue
        seen[article.id] = path
        scan.articles.append(article)
    return scan


def load_articles(kb_dir: Path) -> list[Article]:
    """All articles of ``kb_dir``; raises :class:`KbLoadError` listing every bad file if any is bad.

    An empty folder gives an empty list (the bot then abstains on everything); ``kb check`` flags it.
    """
    scan = scan_articles(kb_dir)
    if scan.problems:
        raise KbLoadError(scan.problems)
    return scan.articles


def split_front_matter(text: str) -> tuple[str, str] | None:
    """An article file's text as (front matter, body), or None when it has no front matter."""
    match = _FRONT_MATTER.match(text)
    return (match.group(1), match.group(2)) if match else None


def parse_article(path: Path) -> Article:
    """Parse one file; ``ValueError`` with a reason a non-developer can act on."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot be read ({exc.strerror or exc})") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ValueError(f"is {len(raw)} bytes; an article may be at most {MAX_FILE_BYTES} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"is not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    parts = split_front_matter(text)
    if parts is None:
        raise ValueError("front matter missing: the file must start with a line '---', the fields, then a line '---'")
    front, body = parts
    try:
        meta = yaml.safe_load(front)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 2})" if where is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ValueError(f"front matter is not valid YAML{line}: {problem}") from None
    if not isinstance(meta, dict):
        raise ValueError("front matter must be 'field: value' lines")
    body = body.strip()
    return _article_from_meta(meta, body, path)


def _text_field(meta: dict, name: str, required: bool) -> str:
    value = meta.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise ValueError(f"missing field '{name}'")
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool) and name == "id":
        value = str(value)
    if not isinstance(value, str):
        raise ValueError(f"field '{name}' must be text, got {type(value).__name__}")
    return value.strip()


def _list_field(meta: dict, name: str) -> tuple[str, ...]:
    value = meta.get(name)
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise ValueError(f"field '{name}' must be a list ('- item' lines), got {type(value).__name__}")
    items = []
    for position, item in enumerate(value, start=1):
        if isinstance(item, (int, float)) and not isinstance(item, bool):
            item = str(item)
        if not isinstance(item, str):
            raise ValueError(f"item {position} of '{name}' must be text (quote it if it contains ': ')")
        if item.strip():
            items.append(item.strip())
    return tuple(items)


def _article_from_meta(meta: dict, body: str, path: Path) -> Article:
    article_id = _text_field(meta, "id", required=True)
    if not _ID.match(article_id):
        raise ValueError(f"id {article_id!r} may only contain letters, digits, '-', '_' and '.' (at most 200)")
    title = _text_field(meta, "title", required=True)
    language = _text_field(meta, "language", required=True).lower()
    if language not in SUPPORTED_LANGUAGES:
        raise ValueError(f"language {language!r} is not supported; use one of {', '.join(SUPPORTED_LANGUAGES)}")
    url = _text_field(meta, "url", required=False) or None
    if url and not url.startswith(("https://", "http://")):
        raise ValueError(f"url {url!r} must start with https:// or http://")
    summary = _text_field(meta, "summary", required=False)
    kind = _text_field(meta, "kind", required=False).lower() or "article"
    if kind not in ARTICLE_KINDS:
        raise ValueError(f"kind {kind!r} is not one of {', '.join(ARTICLE_KINDS)}")
    tags = _list_field(meta, "tags")
    category = _text_field(meta, "category", required=False) or (tags[0] if tags else "")
    if not body and not summary:
        raise ValueError("the article has no text: write the answer below the closing '---'")
    if kind == "guide" and not numbered_steps(body):
        raise ValueError("kind is 'guide' but the text has no numbered steps: write each step on its own line "
                         "starting with '1. ', '2. ', … (or change the kind to 'article')")
    return Article(
        id=article_id,
        title=title,
        language=language,
        body=body,
        url=url,
        tags=tags,
        questions=_list_field(meta, "questions"),
        summary=summary,
        kind=kind,
        category=category,
        path=path,
    )
