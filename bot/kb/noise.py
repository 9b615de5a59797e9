"""Whether a logged KB query is a question a writer could answer with an article, in the four languages.

The query log keeps everything that was typed (an audit); the KB-gap report lists only what a new
article could answer. Left out as noise: probes rather than questions (HTML or script markup, also
escaped or URL-encoded; SQL injection; template lookups like ``${jndi:…}``; path traversal), text
with fewer than two letters in any script ("?", "👍", "123"), and text made only of filler and
keyboard mashing ("dunno", "ok thanks", "asdf", "לא יודע", "مش عارف", "nevím"). A short real
question keeps its words and stays: "refund?", "vrácení peněz", "החזר כספי", "استرداد".
"""
from __future__ import annotations

import html
import re
import unicodedata
from itertools import pairwise
from urllib.parse import unquote

from bot.kb.text import MAX_QUESTION_CHARS, fold_diacritics

_HTML_ELEMENTS = (  # named, not any <word>: a customer may quote a placeholder ("it says <date>")
    "script|iframe|frame|svg|math|img|image|video|audio|object|embed|style|link|meta|base|body|html|form|input|"
    "textarea|button|details|marquee|div|span|table|a|b|i|p|br|hr|h[1-6]"
)
_PROBE = re.compile(
    rf"<\s*(?:{_HTML_ELEMENTS})\b|<\s*/\s*[a-z][\w-]*\s*>|<[a-z][\w-]*\s+[\w-]+\s*=|<!--|<!\[cdata\[|<\?"  # markup
    r"|javascript\s*:"  # a script URL
    r"|\bon(?:error|load|click|focus|blur|toggle|begin|mouse\w+|pointer\w+|key\w+|animation\w+)\s*="  # an event handler
    r"|\bunion\s+(?:all\s+)?select\b"
    r"|\b(?:or|and)\s+['\"(]*(?P<side>\w+)['\")]*\s*=\s*['\"(]*(?P=side)\b"  # a tautology: OR 1=1, ' or 'a'='a
    r"|['\"]\s*(?:--|/\*)|;\s*(?:(?:drop|truncate|alter)\s+(?:table|database)|shutdown|exec)\b"  # end the string or statement
    r"|\b(?:pg_)?sleep\s*\(\s*\d|\bbenchmark\s*\(|\bwaitfor\s+delay\b|\binformation_schema\b|@@version|\bxp_cmdshell\b"
    r"|\{\{[^{}]{0,200}\}\}|\$\{[^{}]{0,200}\}|\.\./|/etc/passwd",  # template or lookup injection, path traversal
    re.IGNORECASE,
)

FILLER = (
    "dunno", "idk", "idc", "i dont know", "i do not know", "dont know", "no idea", "no clue", "not sure", "nevermind",
    "never mind", "nvm", "nothing", "none", "whatever", "test", "testing", "ok", "okay", "yes", "no", "yep", "nope",
    "sure", "thanks", "thank you", "thx", "hi", "hello", "hey", "lol", "haha", "hehe", "xd", "hmm", "um", "uh", "meh",
    "bla", "blah", "null", "undefined", "n a",
    "לא יודע", "לא יודעת", "אין לי מושג", "אין מושג", "לא משנה", "כלום", "שום דבר", "סתם", "בדיקה", "טסט", "ניסיון",
    "אוקיי", "אוקי", "בסדר", "כן", "לא", "תודה", "היי", "שלום", "חח",
    "لا أعرف", "ما أعرف", "ما بعرف", "مش عارف", "مش عارفة", "مو عارف", "معرفش", "لا أدري", "مش مهم", "انسى", "لا شيء",
    "ولا شي", "تجربة", "اختبار", "تمام", "اوكي", "أوكي", "نعم", "لا", "شكرا", "مرحبا", "هه",
    "nevím", "netuším", "nic", "to je jedno", "nevadí", "zkouška", "jo", "ano", "ne", "díky", "děkuji", "ahoj",
)
"""Whole-word phrases that answer nothing, compared without diacritics (so "nevim" and "لا اعرف" match too)."""

KEYBOARD_ROWS = (
    "qwertyuiop", "qwertzuiop", "asdfghjkl", "zxcvbnm", "yxcvbnm", "ěščřžýáíé",
    "קראטוןםפ", "שדגכעיחלךף", "זסבהנמצתץ",
    "ضصثقفغعهخحجد", "شسيبلاتنمكط", "ئءؤرىةوزظ",
)
"""English, Czech (QWERTZ and its accented top row), Hebrew and Arabic layouts: mashing runs along a row."""
MIN_MASHING_CHARS = 4
MIN_MASHING_RUN = 3


def _plain(text: str) -> str:
    """Lower-case words of letters only, without diacritics or apostrophes ("Don't!" → "dont")."""
    folded = fold_diacritics(unicodedata.normalize("NFKC", text).casefold())
    return " ".join(re.findall(r"[^\W\d_]+", re.sub(r"['\u2019\u02bc]", "", folded)))


_FILLER = re.compile(
    r"(?<!\S)(?:" + "|".join(re.escape(_plain(phrase)) for phrase in sorted(FILLER, key=len, reverse=True)) + r")(?!\S)"
)
_NEXT_KEYS = frozenset(pair for row in map(_plain, KEYBOARD_ROWS) for pair in pairwise(row))
"""Each key and the key right of it: a run of mashing goes one way along a row ("asdf", "fdsa"; "were" goes back)."""


def _is_keyboard_mashing(word: str) -> bool:
    """"aaaa", "hahaha", "asdf", "asdfasdf", "lkjlkj", "שדגכ": one letter or a two-letter syllable over and
    over, or nothing but runs of three or more neighbouring keys along one row."""
    if (len(set(word)) == 1 and len(word) >= MIN_MASHING_RUN) or re.fullmatch(r"(\w\w)\1{2,}", word):
        return True
    if len(word) < MIN_MASHING_CHARS:
        return False
    runs, direction = [1], 0
    for pair in pairwise(word):
        step = 1 if pair in _NEXT_KEYS else -1 if pair[::-1] in _NEXT_KEYS else 0
        if step and (step == direction or runs[-1] == 1):
            runs[-1] += 1
        else:
            runs.append(1)
        direction = step
    return min(runs) >= MIN_MASHING_RUN


def is_article_worthy(question: str) -> bool:
    """Whether ``question`` belongs in the KB-gap report: no probe, and some word (two letters or more)
    left once filler and keyboard mashing are taken out. Judged by the part the KB search read (its
    first 1,000 characters), which also bounds the time a flood of long entries costs the report."""
    question = question[:MAX_QUESTION_CHARS]
    decoded = unicodedata.normalize("NFKC", unquote(html.unescape(question)))
    if _PROBE.search(decoded):
        return False
    content = _FILLER.sub(" ", _plain(question)).split()
    return any(len(word) > 1 and not _is_keyboard_mashing(word) for word in content)
