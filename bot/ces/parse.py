"""Turn a customer's free-text answer to the survey question into a score on the survey's scale:
CES 1..7, CSAT 1..5, NPS 0..10 (see :mod:`bot.ces.surveys`).

The CES question is "<Company> made it easy for me to handle my issue" (1 = strongly disagree …
7 = strongly agree). Customers answer with a digit ("6", "6/7", "I'd say 6", "٦"), a number word
("six", "שש", "ستة", "šest") or a phrase ("very easy", "it was a pain", "קשה", "سهل جدا",
"docela těžké"). The rules, in order:

1. **Digits** win. Exactly one number within the scale is the score; "N/max" and "N out of max"
   are read as N. Anything else — for CES 0, 9, 100, "6/10", "6.5", "5-6", two different numbers —
   is not a score (the bot re-asks instead of guessing).
2. **Number words** (zero … ten) count in short answers (up to six words), where they are
   almost always the score; in a longer sentence "one" is usually not a rating.
3. **Phrases** are scored on a 1..7 sentiment scale: effortless/perfect 7, easy/good/agree 6,
   ok/fine 5 (mildly positive: the customer got what they needed), neutral/so-so 4,
   hard/difficult/bad 2, nightmare/a pain/terrible 1. An intensifier ("very", "מאוד", "جدا",
   "velmi") pushes a word to the end of the scale, a softener ("a bit", "קצת", "شوي", "trochu")
   towards the middle, and a negation flips it to just past the middle ("not easy" 3, "not hard"
   5). Several phrases are averaged ("easy but slow" → 4). CSAT adds words of satisfaction
   ("very satisfied" 5, "מרוצה מאוד", "راضٍ جدًا", "velmi spokojen"); NPS reads only words of
   recommending and likelihood ("definitely would recommend" 10, "maybe" 5, "no way" 0). The
   sentiment score is then mapped onto the survey's scale (_FROM_SENTIMENT).

Markup (HTML tags), emoji-only messages, empty text and messages over 500 characters give
``None``. Number words and phrases of all four languages are recognised whatever ``language``
says — a customer's language is a guess — except Czech number words, which are only read when
``language`` is ``cs`` because some collide with English ("pet", "tri", "ten").
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache

from bot.ces.surveys import CES, Survey

# The CES scale, which is also the 1..7 sentiment scale phrases are scored on.
MIN_SCORE = 1
MAX_SCORE = 7
MAX_ANSWER_CHARS = 500
MAX_WORDS_FOR_NUMBER_WORDS = 6

_TAG = re.compile(r"<\s*/?\s*[a-zA-Z!][^<>]*>")
_NUMBER = re.compile(
    r"(?P<sign>(?<![\w.,/-])-)?(?<![\w.,])(?P<value>\d+(?:[.,]\d+)?)"
    r"(?:\s*(?:/|out\s+of|of|z|ze|מתוך|من)\s*(?P<out_of>\d+))?(?![\w])",
)
_CLAUSE_BREAK = re.compile(r"[,.;:!?()\[\]{}\"،؛؟\n]+")
_NON_WORD = re.compile(r"[^\w\s]+")

# --- number words -------------------------------------------------------------------------

_NUMBER_WORDS: dict[str, dict[int, tuple[str, ...]]] = {
    "en": {
        0: ("zero", "nought"), 1: ("one",), 2: ("two",), 3: ("three",), 4: ("four",), 5: ("five",), 6: ("six",),
        7: ("seven",), 8: ("eight",), 9: ("nine",), 10: ("ten",),
    },
    "he": {
        1: ("אחת", "אחד"),
        2: ("שתיים", "שתים", "שניים", "שנים"),
        3: ("שלוש", "שלושה"),
        4: ("ארבע", "ארבעה"),
        5: ("חמש", "חמישה"),
        6: ("שש", "שישה"),
        7: ("שבע", "שבעה"),
        8: ("שמונה",),
        9: ("תשע", "תשעה"),
        10: ("עשר", "עשרה"),
        0: ("אפס",),
    },
    "ar": {
        1: ("واحد", "واحدة"),
        2: ("اثنان", "اثنين", "إثنان", "إثنين", "اتنين"),
        3: ("ثلاثة", "ثلاث", "تلاتة", "تلات"),
        4: ("أربعة", "أربع", "اربعة", "اربع"),
        5: ("خمسة", "خمس"),
        6: ("ستة", "ست"),
        7: ("سبعة", "سبع"),
        8: ("ثمانية", "ثماني", "ثمان", "تمانية", "تمنية"),
        9: ("تسعة", "تسع"),
        10: ("عشرة", "عشر"),
        0: ("صفر",),
    },
    "cs": {
        1: ("jedna", "jeden", "jedno", "jednička", "jedničku"),
        2: ("dva", "dvě", "dvojka", "dvojku"),
        3: ("tři", "trojka", "trojku"),
        4: ("čtyři", "čtyřka", "čtyřku"),
        5: ("pět", "pětka", "pětku"),
        6: ("šest", "šestka", "šestku"),
        7: ("sedm", "sedmička", "sedmičku"),
        8: ("osm", "osmička", "osmičku"),
        9: ("devět", "devítka", "devítku"),
        10: ("deset", "desítka", "desítku"),
        0: ("nula", "nulu", "nulka"),
    },
}

# --- phrases ------------------------------------------------------------------------------
# Written as customers type them; keys are normalised once (see _normalise_token).

_WORDS: dict[str, dict[int, tuple[str, ...]]] = {
    "en": {
        7: (
            "effortless", "effortlessly", "breeze", "perfect", "perfectly", "excellent", "flawless",
            "seamless", "easiest", "superb", "fantastic", "amazing", "awesome", "brilliant",
            "outstanding", "wonderful", "super",
        ),
        6: (
            "easy", "easily", "easier", "simple", "straightforward", "smooth", "smoothly",
            "painless", "great", "good", "quick", "quickly", "fast", "helpful", "agree", "nice",
            "convenient",
        ),
        5: (
            "ok", "okay", "okey", "fine", "alright", "decent", "acceptable", "reasonable",
            "manageable", "satisfactory",
        ),
        4: ("neutral", "meh", "average", "mixed", "mediocre", "middling", "soso"),
        2: (
            "hard", "difficult", "complicated", "confusing", "frustrating", "annoying", "tedious",
            "slow", "bad", "disagree", "cumbersome", "hassle", "struggle", "tricky", "painful",
            "poor", "messy", "unclear", "problem", "problems",
        ),
        1: (
            "nightmare", "pain", "terrible", "awful", "horrible", "impossible", "worst", "useless",
            "hell", "disaster", "disastrous", "dreadful", "atrocious", "hopeless",
        ),
    },
    "he": {
        7: ("מעולה", "מצוין", "מצויין", "מושלם", "מושלמת", "מדהים", "סופר"),
        6: (
            "קל", "קלה", "בקלות", "פשוט", "פשוטה", "טוב", "טובה", "נוח", "נוחה", "מהיר", "מהירה",
            "מסכים", "מסכימה",
        ),
        5: ("בסדר", "סבבה", "אוקיי", "אוקי", "סביר", "סבירה"),
        4: ("ניטרלי", "בינוני", "בינונית"),
        2: ("קשה", "מסובך", "מסובכת", "מבלבל", "מתסכל", "מעצבן", "איטי", "רע", "מסורבל"),
        1: ("גרוע", "נוראי", "נורא", "סיוט", "זוועה", "גיהנום"),
    },
    "ar": {
        7: ("ممتاز", "ممتازة", "رائع", "رائعة", "مثالي", "سوبر"),
        6: (
            "سهل", "سهلة", "سهلا", "بسهولة", "بسيط", "بسيطة", "جيد", "جيدة", "كويس", "كويسة",
            "حلو", "سريع", "مريح", "أوافق", "موافق",
        ),
        5: ("تمام", "مقبول", "ماشي", "اوكي"),
        4: ("عادي", "متوسط", "محايد"),
        2: (
            "صعب", "صعبة", "معقد", "معقدة", "مربك", "مزعج", "مزعجة", "محبط", "بطيء", "سيء",
            "سيئ", "سيئة", "متعب", "مرهق", "بأس",
        ),
        1: ("كابوس", "فظيع", "فظيعة", "مستحيل", "كارثة", "كارثي", "زفت", "أسوأ"),
    },
    "cs": {
        7: ("perfektní", "perfektně", "výborné", "výborně", "výborný", "vynikající", "hračka", "brnkačka"),
        6: (
            "snadné", "snadný", "snadná", "snadno", "jednoduché", "jednoduchý", "jednoduchá",
            "jednoduše", "lehké", "lehký", "lehká", "lehce", "dobré", "dobrý", "dobrá", "dobře",
            "skvělé", "skvělý", "skvěle", "rychlé", "rychlý", "rychle", "příjemné", "pohodlné",
            "souhlasím",
        ),
        5: ("fajn", "oukej", "pohoda", "přijatelné", "slušné"),
        4: ("průměrné", "průměrný", "neutrální", "ujde"),
        2: (
            "těžké", "těžký", "těžká", "těžko", "obtížné", "obtížný", "obtížná", "složité",
            "složitý", "složitá", "komplikované", "komplikovaný", "zmatené", "matoucí",
            "otravné", "pomalé", "pomalu", "špatné", "špatný", "špatně", "nesouhlasím",
        ),
        1: (
            "hrozné", "hrozný", "strašné", "strašný", "děsné", "příšerné", "katastrofa", "peklo",
            "otřesné", "nejhorší", "nemožné",
        ),
    },
}

_PHRASES: dict[str, int] = {
    "piece of cake": 7,
    "couldnt be easier": 7,
    "no problem": 6,
    "no problems": 6,
    "no issue": 6,
    "no issues": 6,
    "no hassle": 6,
    "all right": 5,
    "could be better": 3,
    "could have been easier": 3,
    "so so": 4,
    "neither agree nor disagree": 4,
    # Not agreeing with the statement is disagreeing with it (2), not "just past the middle" as a negated
    # word is ("not easy" 3); "not at all" disagrees strongly.
    "dont agree": 2,
    "do not agree": 2,
    "לא מסכים": 2,
    "לא מסכימה": 2,
    "בכלל לא מסכים": 1,
    "בכלל לא מסכימה": 1,
    "לא מסכים בכלל": 1,
    "לא מסכימה בכלל": 1,
    "لا أوافق": 2,
    "لا أوافق بشدة": 1,
    "لا أوافق أبدا": 1,
    "لا أوافق إطلاقا": 1,
    "קלי קלות": 7,
    "ככה ככה": 4,
    "בלתי אפשרי": 1,
    "نص نص": 4,
    "bez problémů": 6,
    "bez problému": 6,
    "v pohodě": 5,
    "nic moc": 3,
    "tak napůl": 4,
    "dá se": 4,
    "noční můra": 1,
}

# CSAT reads the effort lexicon above (an answer about how the help went) plus these words about
# satisfaction. NPS reads only these words about recommending and likelihood: praise of the help
# ("great") does not say how likely someone is to recommend the company. Scores are on the same
# 1..7 sentiment scale as above and mapped onto the survey's scale by _FROM_SENTIMENT.
_SURVEY_WORDS: dict[str, dict[str, dict[int, tuple[str, ...]]]] = {
    "csat": {
        "en": {
            7: ("delighted", "thrilled"),
            6: ("satisfied", "happy", "pleased", "content", "glad"),
            2: ("dissatisfied", "unsatisfied", "unhappy", "disappointed", "displeased"),
        },
        "he": {
            7: ("מאושר", "מאושרת"),
            6: ("מרוצה", "מרוצים", "מרוצות", "שמח", "שמחה"),
            2: ("מאוכזב", "מאוכזבת", "מאוכזבים"),
        },
        "ar": {
            6: ("راض", "راضي", "راضية", "راضيه", "مسرور", "مسرورة", "سعيد", "سعيدة", "مبسوط"),
            2: ("مستاء", "مستاءة", "زعلان", "خائب"),
        },
        "cs": {
            7: ("nadšený", "nadšená", "nadšen", "nadšena"),
            6: ("spokojen", "spokojena", "spokojený", "spokojená", "spokojeni", "spokojené", "spokojenost"),
            2: ("zklamaný", "zklamaná", "zklamán", "zklamána", "zklamání"),
        },
    },
    "nps": {
        "en": {
            7: ("definitely", "certainly", "surely", "absolutely"),
            6: ("recommend", "recommended", "recommending"),
            5: ("likely", "probably", "probable"),
            4: ("maybe", "perhaps", "possibly", "unsure", "depends"),
            2: ("unlikely", "doubt", "doubtful"),
            1: ("never",),
        },
        "he": {
            7: ("בטח", "ודאי", "בוודאי", "בהחלט"),
            6: ("ממליץ", "ממליצה", "אמליץ", "להמליץ", "ממליצים"),
            5: ("כנראה", "סביר"),
            4: ("אולי", "תלוי"),
        },
        "ar": {
            7: ("بالتأكيد", "أكيد", "اكيد", "طبعا", "بالطبع"),
            6: ("أنصح", "انصح", "سأنصح", "سانصح", "أوصي", "اوصي", "سأوصي", "أرشح", "ارشح"),
            5: ("غالبا", "محتمل"),
            4: ("ربما", "يمكن", "جايز"),
            1: ("أبدا", "ابدا"),
        },
        "cs": {
            7: ("určitě", "rozhodně", "jistě", "samozřejmě"),
            6: ("doporučím", "doporučil", "doporučila", "doporučuji", "doporučuju", "doporučit", "doporučovat"),
            5: ("pravděpodobně", "asi"),
            4: ("možná", "nevím", "záleží"),
            1: ("nikdy",),
        },
    },
}

_SURVEY_PHRASES: dict[str, dict[str, int]] = {
    "csat": {
        "not satisfied at all": 1,
        "not happy at all": 1,
        "לא מרוצה בכלל": 1,
    },
    "nps": {
        "no way": 1,
        "not at all": 1,
        "not sure": 4,
        "probably not": 3,
        "of course": 7,
        "for sure": 7,
        "לא בטוח": 4,
        "לא בטוחה": 4,
        "בשום אופן": 1,
        "אף פעם": 1,
        "مش متأكد": 4,
        "غير متأكد": 4,
        "ولا مرة": 1,
        "určitě ne": 1,
        "rozhodně ne": 1,
        "asi ne": 3,
        "spíš ne": 3,
        "spíše ne": 3,
    },
}

# The survey's score for a 1..7 sentiment score.
_FROM_SENTIMENT: dict[str, dict[int, int]] = {
    "ces": {score: score for score in range(1, 8)},
    "csat": {1: 1, 2: 2, 3: 2, 4: 3, 5: 3, 6: 4, 7: 5},
    "nps": {1: 0, 2: 2, 3: 4, 4: 5, 5: 7, 6: 9, 7: 10},
}

# Greetings that contain a rating word ("good morning", "dobrý den") are not a rating.
_NOT_RATINGS = (
    "good morning", "good afternoon", "good evening", "good night", "good day",
    "dobrý den", "dobré ráno", "dobrý večer", "dobrou noc",
    "בוקר טוב", "ערב טוב", "לילה טוב", "יום טוב",
)

_INTENSIFIERS = (
    "very", "really", "super", "so", "extremely", "incredibly", "totally", "completely",
    "absolutely", "too", "truly", "strongly", "utterly", "such", "insanely", "mega", "definitely",
    "certainly", "surely",
    "מאוד", "מאד", "ממש", "הכי", "נורא", "לגמרי", "בהחלט", "סופר", "פשוט",
    "جدا", "كثير", "كتير", "للغاية", "اوي", "أوي", "تماما", "بشدة",
    "velmi", "moc", "hodně", "strašně", "hrozně", "děsně", "úplně", "naprosto", "fakt",
    "opravdu", "extrémně", "tak", "zcela", "absolutně", "určitě", "rozhodně", "jistě",
    "بالتأكيد", "أكيد",
)
_SOFTENERS = (
    "somewhat", "fairly", "slightly", "rather", "kinda", "kind", "bit", "little", "moderately",
    "relatively", "reasonably",
    "די", "קצת", "יחסית",
    "نوعا", "شوي", "شوية", "شويه", "قليلا", "نسبيا",
    "docela", "celkem", "trochu", "poměrně", "relativně", "spíše", "spíš", "vcelku",
)
# Negators that reach over a few words ("not very easy", "לא היה קשה", "nebylo to těžké") ...
_NEGATORS = (
    "not", "never", "hardly", "isnt", "wasnt", "arent", "werent", "dont", "didnt", "doesnt",
    "wouldnt", "couldnt", "aint", "nothing",
    "לא", "אין",
    "ليس", "ليست", "مش", "مو", "غير", "لم", "لن", "ما", "مب",
    "není", "nebylo", "nebyl", "nebyla", "nebude", "nijak",
)
# ... and short ones that are also a bare "no", so they only negate the very next word.
_ADJACENT_NEGATORS = ("no", "لا", "ne")

_SKIP_PHRASES = (
    "skip", "skip it", "skip this", "skip that", "no thanks", "no thank you", "no thx", "nah",
    "no", "nope", "not now", "pass", "i pass", "later", "maybe later", "rather not",
    "id rather not", "prefer not", "id prefer not", "i dont want to", "dont want to",
    "no comment", "never mind", "nevermind", "cancel", "stop", "next", "dismiss",
    "přeskočit", "přeskoč", "přeskočte", "ne díky", "ne děkuji", "ne", "nechci", "radši ne",
    "zrušit", "později", "teď ne", "další",
    "דלג", "לדלג", "דילוג", "תדלג", "לא תודה", "לא", "לא עכשיו", "אין צורך", "עזוב", "ביטול",
    "בטל", "אחר כך", "אולי אחר כך", "מעדיף שלא", "מעדיפה שלא", "פאס", "הבא",
    "تخطي", "تخطى", "تخط", "تجاوز", "لا شكرا", "لا", "لاحقا", "إلغاء", "الغاء", "ليس الآن",
    "مش الحين", "مش دلوقتي", "بدون", "لا أريد", "لا اريد", "التالي",
)
# Courtesy words that may follow a skip ("skip please", "no thanks, bye").
_COURTESY = (
    "please", "thanks", "thank", "you", "thx", "bye", "for", "now", "it", "this", "question",
    "díky", "děkuji", "prosím", "nashle",
    "תודה", "בבקשה", "ביי",
    "شكرا", "من", "فضلك", "مع", "السلامة",
)


# --- normalisation ------------------------------------------------------------------------


def _ascii_digits(text: str) -> str:
    """Map every Unicode decimal digit (Arabic-Indic ٦, Persian ۶, full-width ６) to 0-9."""
    return "".join(
        str(unicodedata.decimal(ch)) if unicodedata.decimal(ch, None) is not None else ch for ch in text
    )


def _normalise_token(text: str) -> str:
    """Lower-case, drop diacritics (Czech háčky, Hebrew niqqud, Arabic harakat and hamza
    seats), unify Arabic letter variants and drop apostrophes ("wasn't" → "wasnt")."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text).lower())
    stripped = "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn")
    stripped = stripped.replace("ـ", "").replace("ى", "ي").replace("ة", "ه")
    return re.sub(r"['’ʼ`]", "", stripped)


def _clauses(text: str) -> list[list[str]]:
    """Word lists per clause: punctuation ends a clause, so "no, hard" is not "no hard"."""
    clauses = []
    for part in _CLAUSE_BREAK.split(_normalise_token(text)):
        words = _NON_WORD.sub(" ", part).replace("_", " ").split()
        if words:
            clauses.append(words)
    return clauses


def _normalised_set(words: Iterable[str]) -> frozenset[str]:
    return frozenset(_normalise_token(word) for word in words)


@cache
def _number_words(language: str) -> dict[str, int]:
    languages = ["en", "he", "ar"] + (["cs"] if language == "cs" else [])
    table = {
        _normalise_token(word): value
        for lang in languages
        for value, words in _NUMBER_WORDS[lang].items()
        for word in words
    }
    if language == "cs":
        table.pop("ten")  # Czech "ten" is "that", not 10
    return table


@cache
def _lexicon(survey_name: str) -> tuple[dict[tuple[str, ...], int | None], int]:
    """Phrase (tuple of normalised words) → 1..7 sentiment score (``None`` for greetings), plus the
    longest phrase length, for one survey (see _SURVEY_WORDS).

    Czech adjectives negate with a "ne-" prefix ("nesnadné", "nespokojen", "nedoporučím"); those
    forms are derived here as negated entries unless listed themselves (e.g. "nesouhlasím").
    """
    word_tables = [] if survey_name == "nps" else [_WORDS]
    word_tables.append(_SURVEY_WORDS.get(survey_name, {}))
    phrases = {} if survey_name == "nps" else dict(_PHRASES)
    phrases.update(_SURVEY_PHRASES.get(survey_name, {}))
    entries: dict[tuple[str, ...], int | None] = {}
    for table in word_tables:
        for by_score in table.values():
            for score, words in by_score.items():
                for word in words:
                    entries[(_normalise_token(word),)] = score
    for phrase, score in phrases.items():
        entries[tuple(_normalise_token(phrase).split())] = score
    for phrase in _NOT_RATINGS:
        entries[tuple(_normalise_token(phrase).split())] = None
    for table in word_tables:
        for score, words in table.get("cs", {}).items():
            for word in words:
                entries.setdefault(("ne" + _normalise_token(word),), _negate(score))
    return entries, max(len(key) for key in entries)


# --- scoring ------------------------------------------------------------------------------


def _clamp(score: int) -> int:
    return max(MIN_SCORE, min(MAX_SCORE, score))


def _intensify(score: int) -> int:
    if score >= 5:
        return _clamp(score + 1)
    if score <= 3:
        return _clamp(score - 1)
    return score


def _soften(score: int) -> int:
    if score >= 5:
        return max(5, score - 1)
    if score <= 3:
        return min(3, score + 1)
    return score


def _negate(score: int) -> int:
    if score >= 5:
        return 3
    if score <= 3:
        return 5
    return score


def _round_half_up(value: float) -> int:
    return int(value + 0.5)


def _digit_score(text: str, survey: Survey) -> tuple[bool, int | None]:
    """(any number present, the score on ``survey``'s scale it gives or None)."""
    values: set[int | None] = set()
    for match in _NUMBER.finditer(text):
        whole, _, fraction = match.group("value").replace(",", ".").partition(".")
        out_of = match.group("out_of")
        if match.group("sign") or fraction.strip("0") or (out_of is not None and int(out_of) != survey.max_score):
            values.add(None)
        else:
            values.add(int(whole))
    if not values:
        return False, None
    if len(values) == 1:
        (value,) = values
        if value is not None and survey.accepts(value):
            return True, value
    return True, None


def _number_word_score(clauses: list[list[str]], language: str) -> int | None:
    words = [word for clause in clauses for word in clause]
    if len(words) > MAX_WORDS_FOR_NUMBER_WORDS:
        return None
    table = _number_words(language)
    values = {table[word] for word in words if word in table}
    return values.pop() if len(values) == 1 else None


def _lookup(words: list[str], start: int, survey_name: str) -> tuple[int | None, int]:
    """The longest lexicon phrase starting at ``words[start]``: (score, length); the score is
    ``None`` for a greeting and for a word that is not in the lexicon (length 1).

    Hebrew and Arabic glue "and" to the next word ("וקל", "وسهل"); that prefix is tried off.
    """
    entries, longest = _lexicon(survey_name)
    for length in range(min(longest, len(words) - start), 0, -1):
        key = tuple(words[start:start + length])
        if key in entries:
            return entries[key], length
    word = words[start]
    if len(word) > 2 and word[0] in "וو" and (word[1:],) in entries:
        return entries[(word[1:],)], 1
    return None, 1


@cache
def _modifier_sets() -> tuple[frozenset[str], frozenset[str], frozenset[str], frozenset[str]]:
    return (
        _normalised_set(_INTENSIFIERS),
        _normalised_set(_SOFTENERS),
        _normalised_set(_NEGATORS),
        _normalised_set(_ADJACENT_NEGATORS),
    )


def _clause_scores(words: list[str], survey_name: str) -> list[int]:
    """Scores of the sentiment phrases in one clause, after intensifiers, softeners and negation."""
    intensifiers, softeners, negators, adjacent_negators = _modifier_sets()
    phrases: list[tuple[int, int, int]] = []  # (start, length, score)
    position = 0
    while position < len(words):
        score, length = _lookup(words, position, survey_name)
        if score is not None:
            phrases.append((position, length, score))
        position += length
    # A word that is both a modifier and a phrase ("super", "נורא", "hrozně") is a modifier
    # when a phrase follows it ("super easy"), and a phrase of its own otherwise ("super!").
    starts = {start for start, _, _ in phrases}
    phrases = [
        (start, length, score)
        for start, length, score in phrases
        if not (length == 1 and words[start] in intensifiers and start + 1 in starts)
    ]

    scores = []
    for start, length, score in phrases:
        before = words[max(0, start - 3):start]
        near = before[-2:] + words[start + length:start + length + 1]
        intensified = any(word in intensifiers for word in near)
        softened = any(word in softeners for word in near)
        if intensified and not softened:
            score = _intensify(score)
        elif softened and not intensified:
            score = _soften(score)
        if any(word in negators for word in before) or (before and before[-1] in adjacent_negators):
            score = _negate(score)
        scores.append(score)
    return scores


def _phrase_score(clauses: list[list[str]], survey: Survey) -> int | None:
    scores = [score for words in clauses for score in _clause_scores(words, survey.name)]
    if not scores:
        return None
    return _FROM_SENTIMENT[survey.name][_clamp(_round_half_up(sum(scores) / len(scores)))]


def _language_code(language: str | None) -> str:
    return (language or "en").strip().lower()[:2]


def parse_score(text: str | None, language: str = "en", survey: Survey = CES) -> int | None:
    """The score on ``survey``'s scale (CES 1..7, CSAT 1..5, NPS 0..10) a free-text answer gives,
    or ``None`` when it gives none.

    ``None`` means "re-ask": the answer is empty, markup, emoji only, too long, out of range,
    ambiguous (two numbers) or simply not an answer to the question.
    """
    if not text or not isinstance(text, str) or len(text) > MAX_ANSWER_CHARS or _TAG.search(text):
        return None
    digits_text = _ascii_digits(unicodedata.normalize("NFKC", text)).lower()
    has_number, score = _digit_score(digits_text, survey)
    if has_number:
        return score
    clauses = _clauses(text)
    if not clauses:
        return None
    number_word = _number_word_score(clauses, _language_code(language))
    if number_word is not None and survey.accepts(number_word):
        return number_word
    return _phrase_score(clauses, survey)


def parse_ces_score(text: str | None, language: str = "en") -> int | None:
    """The CES score (1..7) a free-text answer gives, or ``None`` (see :func:`parse_score`)."""
    return parse_score(text, language, CES)


@cache
def _skip_tables() -> tuple[frozenset[tuple[str, ...]], frozenset[str]]:
    phrases = frozenset(tuple(_normalise_token(phrase).split()) for phrase in _SKIP_PHRASES)
    return phrases, _normalised_set(_COURTESY)


def is_skip(text: str | None, language: str = "en", survey: Survey = CES) -> bool:
    """Whether the customer declines to rate ("skip", "no thanks", "přeskočit", "דלג", "تخطي").

    A skip phrase may be followed by courtesy words only ("skip please", "no thanks, bye");
    "no, it was hard" is an answer, not a skip, and so is anything that carries a score.
    ``language`` is accepted for symmetry with :func:`parse_score`; the phrases of all
    four languages are recognised because a customer's language is a guess.
    """
    if not text or not isinstance(text, str) or len(text) > MAX_ANSWER_CHARS or _TAG.search(text):
        return False
    if parse_score(text, language, survey) is not None:
        return False
    words = [word for clause in _clauses(text) for word in clause]
    phrases, courtesy = _skip_tables()
    return any(
        tuple(words[:length]) in phrases and all(word in courtesy for word in words[length:])
        for length in range(len(words), 0, -1)
    )


QUESTION_INTENTS = ("ask_question", "out_of_scope")
_QUESTION_MARKS = ("?", "؟")


def comment_asks_a_question(comment: str | None, intent: str | None) -> bool:
    """Whether the survey's optional comment is a new question to answer as well as keep ("also, what's the
    delivery fee for a 30-euro order?"): NLU reads it as a question and it is one, with a question mark
    (Arabic's too). Feedback that names a topic ("the returns page was confusing") is only kept."""
    text = comment or ""
    return intent in QUESTION_INTENTS and any(mark in text for mark in _QUESTION_MARKS)
