"""Escalation triggers that do not need the NLU model: frustration and always-human topics.

Both work on any language the customers use; the topic list is a YAML file a support lead
edits (``data/always_human_topics.yml`` by default, ``ALWAYS_HUMAN_TOPICS`` to override).
"""
from __future__ import annotations

import functools
import logging
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

log = logging.getLogger(__name__)

# Words and phrases that signal an angry customer, matched on whole words after normalising.
FRUSTRATION_PHRASES = (
    # English
    "useless", "waste of time", "ridiculous", "unacceptable", "worst", "terrible", "pathetic",
    "fed up", "sick of", "fuck", "fucking", "shit", "crap", "damn", "wtf", "stupid", "idiot",
    # Hebrew
    "חסר תועלת", "מגוחך", "נמאס", "מטומטם", "זבל", "חרא",
    # Arabic
    "سيء جدا", "مقرف", "تافه", "غبي", "زفت", "مضيعة للوقت",
    # Czech (diacritics folded)
    "k nicemu", "hrozne", "nesmysl", "do prdele", "kurva", "hovno", "debil",
)
SHOUTING_MIN_LETTERS = 8
SHOUTING_UPPER_SHARE = 0.7


def normalise(text: str) -> str:
    """Lowercase, fold Latin diacritics, strip Arabic/Hebrew vowel marks, collapse spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w\s]", " ", kept).split())


# Hebrew and Arabic write prepositions, "and" and "the" joined to the next word ("לעורך דין" = to
# a lawyer, "بمحامي" = with a lawyer), so a phrase in those scripts may start after such a prefix.
_HEBREW_PREFIX = "[והבלמשכ]{0,2}"
_ARABIC_PREFIX = "[وفبلك]{0,2}(?:ال)?"


def _attached_prefix(phrase: str) -> str:
    first = phrase[:1]
    if "\u0590" <= first <= "\u05ff":
        return _HEBREW_PREFIX
    if "\u0600" <= first <= "\u06ff":
        return _ARABIC_PREFIX
    return ""


def _contains_phrase(normalised_text: str, phrase: str) -> bool:
    wanted = normalise(phrase)
    pattern = rf"(?<!\w){_attached_prefix(wanted)}{re.escape(wanted)}(?!\w)"
    return re.search(pattern, normalised_text) is not None


def is_shouting(text: str) -> bool:
    """Most of the message is in capitals.

    The share counts every letter, caseless scripts too: a Hebrew or Arabic question naming a brand
    in Latin capitals ("ACME SHOP") is not shouting, although every cased letter in it is upper case.
    """
    letters = [ch for ch in text if ch.isalpha()]
    capitals = sum(ch.isupper() for ch in letters)
    if capitals < SHOUTING_MIN_LETTERS:
        return False
    return capitals / len(letters) >= SHOUTING_UPPER_SHARE


def frustration_signals(text: str, earlier_complaints: int = 0) -> list[str]:
    """Why this message looks frustrated (empty list when it does not).

    ``earlier_complaints`` counts the customer's earlier complaints in this conversation, so
    repeated complaints escalate even when each one is mild.
    """
    normalised = normalise(text)
    signals = [f"said {phrase!r}" for phrase in FRUSTRATION_PHRASES if _contains_phrase(normalised, phrase)]
    if is_shouting(text):
        signals.append("shouting")
    if text.count("!") >= 3 or text.count("?!") >= 2:
        signals.append("repeated exclamation marks")
    if signals and earlier_complaints >= 1:
        signals.append("repeated complaints")
    return signals


def is_frustrated(text: str, earlier_complaints: int = 0) -> bool:
    signals = frustration_signals(text, earlier_complaints)
    strong = any(s.startswith("said") for s in signals) or "shouting" in signals
    return strong or len(signals) >= 2


@dataclass(frozen=True)
class Topic:
    name: str
    phrases: Sequence[str]


class TopicFileError(ValueError):
    """The always-human topic file cannot be used; the message names the file and the problem."""


def load_topics(path: Path) -> list[Topic]:
    """Read ``{topic: [phrase, ...]}`` from YAML. A missing file means no always-human topics."""
    if not path.exists():
        return []
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise TopicFileError(f"{path}: not valid YAML ({exc.__class__.__name__})") from None
    except UnicodeDecodeError:
        raise TopicFileError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise TopicFileError(f"{path}: cannot be read ({exc.strerror or exc.__class__.__name__})") from None
    topics = data.get("topics", data) if isinstance(data, dict) else None
    if not isinstance(topics, dict):
        raise TopicFileError(f"{path}: expected a mapping of topic name to a list of phrases")
    result = []
    for name, phrases in topics.items():
        if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
            raise TopicFileError(f"{path}: topic {name!r} must be a list of non-empty phrases")
        result.append(Topic(name=str(name), phrases=tuple(phrases)))
    return result


def matching_topic(text: str, topics: Iterable[Topic]) -> str | None:
    """The first always-human topic whose phrase occurs in ``text``, or None."""
    normalised = normalise(text)
    for topic in topics:
        if any(_contains_phrase(normalised, phrase) for phrase in topic.phrases):
            return topic.name
    return None


@functools.lru_cache(maxsize=4)
def _topics_of_version(path: Path, version: tuple[int, ...]) -> tuple[Topic, ...]:
    """The topics of one version of the file (``version`` is its fingerprint: only the cache key)."""
    return tuple(load_topics(path))


def _file_version(path: Path) -> tuple[int, ...]:
    """What changes when the file is edited or replaced: inode, size and modification times (ns)."""
    try:
        status = path.stat()
    except OSError:
        return ()  # missing (no topics) or unreadable (load_topics says why)
    return status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns


def always_human_topic(text: str, path: Path) -> str | None:
    """The always-human topic of ``text`` per the file at ``path``.

    The file is parsed again whenever it changes, so a support lead's edit applies to the next message,
    and not for every question: parsing the YAML cost about as much as the KB search itself. A broken
    file is logged and treated as empty, so a support lead's typo never stops the bot answering.
    """
    try:
        topics = _topics_of_version(path, _file_version(path))
    except TopicFileError as exc:
        log.error("always-human topics ignored until the file is fixed: %s", exc)
        return None
    return matching_topic(text, topics)
