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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.language import ARABIC_ATTACHED_PREFIX, HEBREW_ATTACHED_PREFIX

log = logging.getLogger(__name__)

# Words and phrases that signal an angry customer, matched on whole words after normalising; a
# trailing "*" lets the word go on (Czech and Hebrew endings: "nastvan*" is naštvaný, naštvaná,
# naštvanej). Not words a calm question uses about a topic: no "scam" (a phishing question), no
# "again", "still", "second time" or "how many times" ("can I use the code a second time"), no "not
# happy" ("not happy with the size, how do I return it"), no bare "joke" ("tell me a joke").
FRUSTRATION_PHRASES = (
    # English
    "useless", "waste of time", "ridiculous", "unacceptable", "worst", "terrible", "pathetic", "fed up",
    "sick of", "fuck", "fucking", "shit", "crap", "damn", "wtf", "stupid", "idiot", "awful", "horrible",
    "appalling", "disgrace", "disgraceful", "shameful", "is a joke", "what a joke", "incompetent", "rip off",
    "ripoff", "not fair", "unfair", "disappointed", "disappointing", "disappointment", "annoyed", "annoying",
    "angry", "furious", "frustrated", "frustrating", "upset", "disgusted", "had enough", "tired of",
    "nobody answers", "nobody answered", "nobody replies", "nobody cares", "no one answers", "no one replies",
    "no one cares", "nobody is helping", "ignoring me", "ignored", "ignores me", "third time", "never again",
    "again and again", "not acceptable", "shocking", "outrageous", "a disaster", "i m done", "im done",
    "you refuse", "you refused", "nobody told me", "no one told me", "nobody is doing",
    "nobody does anything", "nobody helps", "no one helps", "nobody helped", "nobody responds",
    "nobody responded", "i demand", "poor service", "rude", "do you even", "is this how you treat",
    "are you serious", "shopping elsewhere", "hell",
    # Hebrew
    "חסר תועלת", "מגוחך", "נמאס", "מטומטם", "זבל", "חרא", "לא מקובל", "בושה", "חרפה", "שערורייה", "שערוריה",
    "מחפיר", "גרוע", "גרועה", "על הפנים", "מאוכזב*", "אכזבה", "מעצבן", "מעצבנת", "עצבני", "עצבנית", "מתוסכל*",
    "כועס", "כועסת", "לא הוגן", "אף אחד לא עונה", "אף אחד לא חוזר", "לאף אחד לא אכפת", "מתעלמים", "מתעלם",
    "מתעלמת", "פעם שלישית", "הפעם השלישית", "זלזול", "חוצפה", "זו בדיחה", "זה בדיחה", "אתם בדיחה",
    "איזו בדיחה", "די כבר", "מספיק כבר", "שוב ושוב", "זוועה", "מזעזע", "אסון", "סיימתי איתכם", "אתם מסרבים",
    "אף אחד לא מטפל", "אף אחד לא עוזר", "אף אחד לא אמר לי", "אף אחד לא חזר", "אני דורש", "אני דורשת",
    "מתסכל*", "נו באמת", "אין מילים", "אתם רציניים", "גס רוח", "לעזאזל",
    # Arabic
    "سيء جدا", "مقرف", "تافه", "غبي", "زفت", "مضيعة للوقت", "غير مقبول", "مو مقبول", "مش مقبول", "مهزلة",
    "مسخرة", "فضيحة", "سيء", "سيئة", "أسوأ", "خيبة أمل", "خايب ظني", "خاب ظني", "زهقت", "طفشت", "قرفت",
    "قرفتوني", "معصب", "معصبة", "زعلان", "زعلانة", "مش عدل", "مو عدل", "ظلم", "محد يرد", "ما حد يرد",
    "لا أحد يرد", "محد مهتم", "تتجاهل*", "يتجاهل*", "ثالث مرة", "للمرة الثالثة", "سخيف", "حرام عليكم",
    "مرة بعد مرة", "كارثة", "مخزي", "ترفضون", "محد سوى شي", "محد رد", "محد ساعدني", "محد قال لي",
    "ولا أحد رد", "أطالب", "مستاء*", "مخيب*", "فظ*", "هزار ده", "استهبال", "خلص بقى",
    # Czech (diacritics folded)
    "k nicemu", "hrozne", "nesmysl", "do prdele", "kurva", "hovno", "debil", "neprijateln*", "vysmech",
    "fraska", "ostuda", "skandal*", "hrozny", "hrozna", "nejhorsi", "zklaman*", "stve", "nastvan*",
    "mam toho dost", "nikdo neodpovida", "nikdo mi neodpovida", "nikdo nereaguje", "nikoho to nezajima",
    "ignoruj*", "potreti", "po treti", "smesn*", "nefer", "neni fer", "otresn*", "nehorazn*", "nebavi me",
    "porad dokola", "zase a znova", "katastrof*", "koncim s vami", "odmitate", "nikdo to neresi",
    "nikdo nic neresi", "nikdo mi nepomohl", "nikdo mi nerekl", "nikdo se neozval", "nikdo mi neodpovedel",
    "me to nebavi", "arogantn*", "trvam na", "myslite vazne", "sakra", "poctvrte", "nakupovat jinde",
)
# A person asked for outright, in a message read as a question ("I need to speak to someone about my refund":
# the refund is the topic, DIET reads a question, and the customer got the refund article). In English a way of
# reaching joined to a person ("talk to" + "someone", "get me" + "a manager"), since "agent" or "someone" alone
# are also in calm questions ("someone else signed for my parcel", "the delivery agent"), and the phrases that
# ask for one by themselves ("call me back", "who can I speak to", "anyone available"); in Hebrew, Arabic and
# Czech the words for a representative, a live person, talking with one or being called back, which calm
# questions do not use.
_REACHING = ("talk to", "talk with", "speak to", "speak with", "speaking to", "speaking with", "chat with", "chat to",
             "connect me to", "connect me with", "put me through to", "transfer me to", "escalate this to",
             "escalate it to", "pass me to", "get me")
_ASKING = ("i want", "i need", "need", "want", "get me", "give me", "i d like", "i would like", "i d rather have",
           "can i get", "could i get", "can i have", "could i have", "please get", "can you get", "can u get",
           "could you get")
_A_PERSON = ("a person", "a human", "an agent", "a real person", "a real human", "an actual person", "an actual human",
             "a live agent", "a live person", "a representative", "a rep", "a manager", "a supervisor", "an operator",
             "an employee", "a staff member", "a support agent", "a customer service agent", "a human being",
             "a customer service representative", "a customer service rep", "a support representative")
_ANYONE = ("someone", "somebody", "anyone", "anybody", "a real", "an actual", "customer service", "customer support",
           "your team", "agent", "human", "person", "representative", "manager", "supervisor",
           "support", "live support", "live chat", "a live chat", "your support", "the support team")
# A person named without a way of reaching ("can a real person look at my order"): a request unless the message
# asks whether the bot is one ("are you a real person?", "is this a bot or a human being?", which the bot answers
# itself and then offers one). "is this where...", "are you able to..." ask something else.
_A_REAL_PERSON = ("real person", "real human", "live person", "actual person", "actual human", "human being")
_ABOUT_THE_BOT = re.compile(r"(?<!\w)(?:are you|r u|you are|you re|is this|am i talking|am i speaking|am i chatting)"
                            r"(?! (?:where|how|the place|the way|able|going|gonna|willing)(?!\w))(?!\w)")
# A message that opens with the bare word, as callers say it to a phone menu: "agent. subscription cancel",
# "human pls - payment issue", "representative!".
# In Czech only when shouted ("ČLOVĚK!!! strhli mi peníze dvakrát", two or more "!"): "Člověk by čekal…" is the
# generic "one", and "Člověk! Kolik stojí doprava?" an exclamation.
_OPENS_WITH_A_PERSON = re.compile(
    r"^\W*(?:(?:an? )?(?:live |real )?(?:agent|human|person|representative|rep|operator)(?: (?:please|pls|plz|now))?"
    r"\s*(?:[.!:;,\-\u2013\u2014]|$)|(?:živého |živýho |zivyho |ziveho )?[čc]lov[ěe]ka?\s*!!)", re.IGNORECASE)
_IS_THERE = ("someone", "somebody", "anyone", "anybody", "a person", "a human", "an agent", "a real person",
             "a representative")
PERSON_REQUEST_PHRASES = (
    "any human*", "{a ,}human {please,pls,plz}",
    "{someone,somebody,anyone,anybody} from {your team,the team,your staff,your support,support,tech support,"
    "customer service,customer support}",
    "a member of {your,the} {staff,team}", "{someone,somebody} {to ,}{contact,get in touch with,reach out to,call} me",
    "please {phone,ring} me", "give me a {call,ring,bell}", "with a {manager,supervisor,representative}",
    "{anyone,anybody,any staff,any agent,any agents,any humans} {available,there,online,around,here}",
    "call me {back,about,regarding,asap,please,pls,today,on,at}", "{ring,phone} me {back,about}",
    "{someone,somebody} call me", "who {can,do,should} i {speak,talk,turn} to", "who {can,do} i contact", "a call back",
    "a callback",
    # Hebrew
    "נציג*", "בן אדם", "בנאדם", "מישהו אנושי", "{מישהו,אדם} אמיתי", "גורם אנושי", "מענה אנושי", "לדבר עם מישהו",
    "לדבר עם מנהל*", "לדבר עם אחראי", "מנהל משמרת", "אחראי משמרת", "שמישהו יתקשר", "שמישהו יחזור",
    "{,ת}חברו אותי", "מישהו {מהצוות,מהשירות,מהתמיכה,ממחלקת,מהמחלקה}", "יש {פה,כאן} {מישהו,מישו}",
    "{מישהו,מישו} {זמין,פה,כאן}", "למי {אני פונה,לפנות,פונים,אפשר לפנות}", "מספר של מישהו", "מוקד{ן,נ*}",
    "שיחה חוזרת", "{ת,שי}{תקשרו,חזרו} אלי{,י}", "{רוצה,תביאו,תנו לי} מנהל", "עם מי {אני מדבר,מדברים,אפשר לדבר,לדבר}",
    # Arabic
    "موظف*", "{انسان,شخص} حقيقي", "ممثل خدمة", "مندوب خدمة", "اكلم {حد,حدا,احد,شخص,مسؤول,المدير,مدير,المشرف,مشرف,مين}",
    "{اتكلم,احكي,نهضر,نهدر,نتكلم,نحكي,التحدث,للتحدث,اتحدث} مع {حد,حدا,مسؤول,المدير,المشرف,مشرف,شي واحد,بنادم,مختص,"
    "عبد,شخص}",
    "{ابي,ابغى,عايز,بدي,اريد} {مشرف,المشرف,مدير,المدير}", "{فيه,في} {احد,حد,حدا} {موجود,اونلاين,هنا}",
    "مين {اكلم,احكي معه}", "{احد,حد} المشرفين", "تحويل {المحادثة,الشات}", "{تتصلوا,اتصلوا} {فيي,بي,فيني}",
    "تتصلوا {علي,عليا}", "{كاين,فيه} شي حد", "{شي حد,شي واحد} {نتكلم,نهضر,نحكي} معاه", "{بني,بنى} ادم", "بنادم",
    "{احد,حد,حدا} من {الفريق,فريقكم,خدمة,الدعم}", "{a ,a,e}kalem 7ad*", "{حدا,حد,احد} {يرن,يدق} علي",
    "{حد,حدا,احد} {يتصل,يكلمني,يساعدني}", "{حدا بيقدر,حد يقدر,احد يقدر} يساعدني", "حولني", "حولوني", "وصلوني ب*",
    "كلموني", "اكلم{ه,ها}",
    # Czech (diacritics folded)
    "operator*", "zivy clovek", "zivym clovekem", "zivou {osobu,osobou}", "s clovekem", "s nekym", "mluvit s",
    "promluvit s", "probrat s", "prepojte me", "prepojit na", "pracovnik*", "zamestnanc*", "vedouci{m,ho,mu}",
    "nadrizen*", "nekdo zavol*", "mi nekdo zavola*", "zavolejte mi", "mi zavolat", "zavolat mi", "mi zavolejte",
    "{nekoho,nekdo,nekym,cloveka} z {podpory,obsluhy,vaseho tymu,vasich lidi}", "je {tam,tu} nekdo",
    "je nekdo {online,tu,tam}", "na koho se {mam,muzu,mohu,da} obratit", "na koho se obratit", "cislo na nekoho",
    "{sezente,sezenete,najdete} mi nekoho", "{nekdo,nekoho} od vas", "s kym muzu {mluvit,probrat}", "s kym mam mluvit",
    "s kym mluvit", "{nejak,skutecn,opravdov,ziv}{e,y}ho cloveka", "normalniho cloveka", "zpetne zavolani",
    "zavolani zpet",
)
SHOUTING_MIN_LETTERS = 8
SHOUTING_UPPER_SHARE = 0.7


def normalise(text: str) -> str:
    """Lowercase, fold Latin diacritics, strip Arabic/Hebrew vowel marks, collapse spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(re.sub(r"[^\w\s]", " ", kept).split())


def _attached_prefix(phrase: str) -> str:
    """What a phrase in Hebrew or Arabic may start after (:data:`bot.language.HEBREW_ATTACHED_PREFIX`)."""
    first = phrase[:1]
    if "\u0590" <= first <= "\u05ff":
        return HEBREW_ATTACHED_PREFIX
    if "\u0600" <= first <= "\u06ff":
        return ARABIC_ATTACHED_PREFIX
    return ""


def _phrase_pattern(phrase: str) -> str:
    """A phrase as a pattern: whole words, ``*`` at the end for any ending, ``{a,b}`` for variants
    (``"who {can,do} i contact"``, ``"אלי{,י}"``), each of which must match whole like a phrase of its own."""
    return _any_of((phrase,))


def _any_of(phrases: Iterable[str]) -> str:
    """One pattern for whichever of the phrases comes first (none: a pattern that never matches), their variants
    spelled out and shared as a trie: at every word start ``re`` tries an alternation's branches one by one, so
    900 flat branches cost 1.4 ms on a 110-character message, where branches that share their first letters
    share one test."""
    by_prefix: dict[str, list[tuple[str, str]]] = {}
    for phrase in phrases:
        for spelled in _spelled_out(phrase):
            wanted = normalise(spelled)
            by_prefix.setdefault(_attached_prefix(wanted), []).append((wanted, _ending(spelled)))
    if not by_prefix:
        return "(?!)"
    return r"(?<!\w)" + _alternation(prefix + _trie(spellings) for prefix, spellings in by_prefix.items())


def _trie(spellings: list[tuple[str, str]]) -> str:
    """The spellings (text, what may follow it) as nested groups, one branch per next letter. Built without
    recursion, so a phrase of any length in the topic file cannot exhaust Python's stack."""
    root: dict[str | None, Any] = {}
    for text, ending in spellings:
        node = root
        for letter in text:
            node = node.setdefault(letter, {})
        node.setdefault(None, set()).add(ending)
    patterns: dict[int, str] = {}  # id of a node → its pattern, children before parents
    pending: list[tuple[dict[str | None, Any], bool]] = [(root, False)]
    while pending:
        node, children_done = pending.pop()
        children = [(letter, child) for letter, child in node.items() if letter is not None]
        if not children_done:
            pending.append((node, True))
            pending.extend((child, False) for _, child in children)
            continue
        branches = [re.escape(letter) + patterns.pop(id(child)) for letter, child in children]
        branches += sorted(node.get(None, ()))
        patterns[id(node)] = branches[0] if len(branches) == 1 else _alternation(branches)
    return patterns[id(root)]


def _alternation(patterns: Iterable[str]) -> str:
    return "(?:" + "|".join(patterns) + ")"


def _ending(spelled: str) -> str:
    """What may follow a phrase: with ``*`` any ending, else the word ends."""
    return r"\w*" if spelled.endswith("*") else r"(?!\w)"


_VARIANTS = re.compile(r"\{([^{}]*)\}")


def _spelled_out(phrase: str) -> tuple[str, ...]:
    """Every phrase ``{a,b}`` groups stand for: ``"x{a,b}y {c,d}"`` gives xay c, xay d, xby c, xby d."""
    group = _VARIANTS.search(phrase)
    if group is None:
        return (phrase,)
    head, tail = phrase[:group.start()], phrase[group.end():]
    return tuple(spelled for variant in group.group(1).split(",") for spelled in _spelled_out(head + variant + tail))


@functools.lru_cache(maxsize=1)
def _phrase_patterns(phrases: tuple[str, ...]) -> tuple[re.Pattern[str], tuple[tuple[str, re.Pattern[str]], ...]]:
    """All the phrases in one pattern, and each on its own, compiled once: about 250 patterns would not
    stay in ``re``'s cache, and compiling them again for every question cost 2.5 ms of the action server."""
    each = tuple((phrase, re.compile(_phrase_pattern(phrase))) for phrase in phrases)
    return re.compile(_any_of(phrases)), each


@functools.lru_cache(maxsize=1)
def _person_request_pattern() -> re.Pattern[str]:
    """The English ways of reaching joined to a person as one alternation each (their 800 combinations as
    phrases cost 1.3 ms a question), then :data:`PERSON_REQUEST_PHRASES`."""
    def one_of(words: tuple[str, ...]) -> str:
        return "(?:" + "|".join(re.escape(word) for word in words) + ")"
    english = (rf"(?<!\w)(?:{one_of(_REACHING)} {one_of(_A_PERSON + _ANYONE)}|{one_of(_ASKING)} {one_of(_A_PERSON)}"
               rf"|is there {one_of(_IS_THERE)})(?!\w)")
    return re.compile(f"{english}|{_any_of(PERSON_REQUEST_PHRASES)}")


@functools.lru_cache(maxsize=1)
def _a_real_person_pattern() -> re.Pattern[str]:
    return re.compile(_any_of(_A_REAL_PERSON))


def asks_for_a_person(text: str) -> bool:
    """Whether the message asks for a person outright (a way of reaching joined to a person in English,
    :data:`PERSON_REQUEST_PHRASES`, a real person named unless it asks what the bot is, or a message that opens with
    the bare word), whatever else it says."""
    normalised = normalise(text)
    if _person_request_pattern().search(normalised) is not None or _OPENS_WITH_A_PERSON.match(text) is not None:
        return True
    return _a_real_person_pattern().search(normalised) is not None and _ABOUT_THE_BOT.search(normalised) is None


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
    any_phrase, each_phrase = _phrase_patterns(FRUSTRATION_PHRASES)
    signals = []
    if any_phrase.search(normalised):  # most messages say none: one search instead of 250
        signals = [f"said {phrase!r}" for phrase, pattern in each_phrase if pattern.search(normalised)]
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
    pattern: re.Pattern[str] = field(init=False, repr=False, compare=False)
    """Any of the phrases, compiled with the topic (once for each version of the topic file)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "pattern", re.compile(_any_of(self.phrases)))


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
        wordless = next((p for p in phrases if any(not normalise(s) for s in _spelled_out(p))), None)
        if wordless is not None:  # "*" or "!!!" would match every message
            raise TopicFileError(f"{path}: topic {name!r} has a phrase without a word: {wordless!r}")
        try:
            result.append(Topic(name=str(name), phrases=tuple(phrases)))
        except (re.error, RecursionError) as exc:  # the file's error, not each question's
            raise TopicFileError(f"{path}: topic {name!r} has phrases that cannot be matched ({exc})") from None
    return result


def matching_topic(text: str, topics: Iterable[Topic]) -> str | None:
    """The first always-human topic whose phrase occurs in ``text``, or None."""
    normalised = normalise(text)
    for topic in topics:
        if topic.pattern.search(normalised) is not None:
            return topic.name
    return None


@functools.lru_cache(maxsize=4)
def _topics_of_version(path: Path, version: tuple[int, ...]) -> tuple[Topic, ...]:
    """The topics of one version of the file (``version`` is its fingerprint: only the cache key). A broken
    version is logged once and read as no topics until the file changes."""
    try:
        return tuple(load_topics(path))
    except TopicFileError as exc:
        log.error("always-human topics ignored until the file is fixed: %s", exc)
        return ()


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
    return matching_topic(text, _topics_of_version(path, _file_version(path)))


def reason_for_a_person(text: str, earlier_complaints: int, topics_path: Path) -> str | None:
    """Why a person, not the KB, should answer ``text``: a topic a person always handles (``sensitive_topic``,
    per the file at ``topics_path``), a frustrated customer (``frustration``), or a person asked for outright
    (``customer_request``: "I need to speak to someone about my refund" reads as a refund question); None when
    nothing says so. The reasons are the ticket's (bot.helpdesk.ticket_rules.REASONS)."""
    if always_human_topic(text, topics_path) is not None:
        return "sensitive_topic"
    if is_frustrated(text, earlier_complaints):
        return "frustration"
    if asks_for_a_person(text):
        return "customer_request"
    return None
