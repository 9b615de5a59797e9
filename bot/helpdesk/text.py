"""Making any text safe to store: messages are kept verbatim as plain text, never interpreted.

PostgreSQL rejects NUL characters and every driver rejects lone surrogates, so those are replaced
rather than letting a pasted binary blob fail the request. One-line fields (names, e-mail
addresses, subjects) also lose their bidirectional control characters: a name such as
"Noa\u202e moc.knab" would otherwise reorder the console text around it (bidi spoofing). Message
bodies keep them, since Hebrew and Arabic writers use the marks on purpose.
"""

from __future__ import annotations

import re

MESSAGE_MAX_CHARS = 10_000
REPLACEMENT = "\ufffd"
# Embeddings and overrides (U+202A-U+202E), isolates (U+2066-U+2069), LRM, RLM and the Arabic letter mark.
BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_WITHOUT_BIDI_CONTROLS = str.maketrans(dict.fromkeys(BIDI_CONTROLS))


def clean_text(text: str) -> str:
    """``text`` with NULs and lone surrogates replaced by U+FFFD; everything else untouched."""
    text = text.replace("\x00", REPLACEMENT)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = "".join(REPLACEMENT if "\ud800" <= ch <= "\udfff" else ch for ch in text)
    return text


def truncate_with_marker(text: str, max_chars: int = MESSAGE_MAX_CHARS) -> str:
    """At most ``max_chars``; a cut is said in the text itself so nothing disappears silently."""
    text = clean_text(text)
    if len(text) <= max_chars:
        return text
    # The marker's own length depends on the number in it; 12 digits is plenty.
    keep = max_chars - len(truncation_marker(10**12))
    return text[:keep] + truncation_marker(len(text) - keep)


def truncation_marker(omitted_chars: int) -> str:
    return f"\n[… message truncated: {omitted_chars} more characters not shown]"


def without_bidi_controls(text: str) -> str:
    """``text`` without the characters that reorder the text around it (see the module docstring)."""
    return text.translate(_WITHOUT_BIDI_CONTROLS)


def one_line(text: str, max_chars: int) -> str:
    """A single line of at most ``max_chars`` (subjects, names), ending in "…" when cut; no bidi controls."""
    line = " ".join(without_bidi_controls(clean_text(text)).split())
    return line if len(line) <= max_chars else line[: max_chars - 1].rstrip() + "…"


_EMAIL = re.compile(r"^[^@\s<>\"',;]+@[^@\s<>\"',;]+\.[^@\s<>\"',;.]{2,}$")


def normalize_email(value: str) -> str:
    """Lower-cased, trimmed e-mail address without bidi controls; ``ValueError`` with a clear message when it is not one."""
    email = without_bidi_controls(value).strip().lower()
    if len(email) > 254 or not _EMAIL.match(email):
        raise ValueError(f"{value[:80]!r} is not an e-mail address (expected name@example.com)")
    return email
