"""Whether a customer's "yes" also says the answer helped ("yes thanks, that helped"), or their message says
only that it did not ("still not working"), in the four languages.

A guide's answer ends with "all at once, or step by step?". A bare "yes" there asks to see the steps, but
"yes thanks that helped" says the customer has what they needed; NLU reads both as ``affirm``. These
phrases tell them apart, matched as whole words after the folding every closed word list gets
(:func:`bot.engine.typed_text.fold_typed`), and not right after a negation ("didn't help", "לא עזר", "ما ساعد").
"""
from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise

from bot.engine.typed_text import fold_typed


def _folded(*words: str) -> frozenset[str]:
    return frozenset(fold_typed(word) for word in words)


ASK_HELPED = "utter_ask_kb_helped"
""""Did that answer your question?", under every answer of the knowledge base (the engine's policies see it too)."""
UNDERSTOOD_PHRASES = tuple(tuple(fold_typed(phrase).split()) for phrase in ("got it", "הבנתי", "فهمت", "rozumim"))
""""Got it": under an answer, that it helped; under one step of a guide, only that step."""
UNDERSTOOD_WORDS = frozenset(word for phrase in UNDERSTOOD_PHRASES for word in phrase)
"""The words of :data:`UNDERSTOOD_PHRASES` one by one, for word lists a "got it" belongs in ("ok got it" is only a yes,
and no name): :func:`bot.engine.arbitration.words`, which such lists are compared with, folds them alike."""
HELPED_PHRASES = UNDERSTOOD_PHRASES + tuple(tuple(fold_typed(phrase).split()) for phrase in (
    "helped", "helpful", "that helps", "that's all", "thats all", "that's enough", "all good", "sorted",
    "solved", "it worked", "that worked", "works now", "all set", "fixed", "working now", "it's working",
    "עזר", "עזרת", "עזרתם", "עוזר", "הסתדרתי", "זה מספיק", "נפתר", "עובד", "עבד", "עבדה",
    "ساعد", "ساعدني", "ساعدتني", "مفيد", "انحلت", "اتحلت", "اشتغل", "يكفي", "كفاية",
    "pomohlo", "pomohl", "pomohla", "pomohli", "staci", "vyreseno", "uz to mam", "funguje", "to je vse",
    "to jde", "uz jde",
))
NEGATIONS = _folded(
    "not", "didn't", "didnt", "doesn't", "doesnt", "wasn't", "wasnt", "isn't", "isnt", "never", "hasn't",
    "לא", "ما", "لم", "لا", "مش", "مو", "غير", "ne",
)
_WORD = re.compile(r"[\w']+")
AND_PREFIXES = ("ו", "و")  # "ולא עובד", "وما اشتغل": "and" is written onto the next word
# Articles and adverbs a negation may stand before: "didn't really work", "לא ממש עובד".
_BETWEEN = _folded("a", "an", "the", "really", "even", "quite", "any", "ממש", "בכלל", "خالص", "ابدا", "vubec", "moc")
# Words that may stand around "it helped" in a message that says only that ("that helped, thanks", "هذا
# ساعدني"): no negation can hide among them ("I don't think it helped", "nemyslím, že to pomohlo").
_AROUND_HELPED = _folded(
    "it", "that", "this", "really", "very", "so", "much", "a", "lot", "thanks", "thank", "you", "great", "yes",
    "זה", "ממש", "מאוד", "תודה", "כן", "הרבה",
    "هذا", "هذه", "ده", "دي", "هاد", "جدا", "كثير", "شكرا", "نعم", "فعلا",
    "to", "mi", "moc", "dik", "diky", "dekuji", "ano", "opravdu", "velmi",
)
_HELPED_WORDS = frozenset(word for phrase in HELPED_PHRASES for word in phrase)
MAX_PLAIN_HELPED_WORDS = 6
# A thank-you and nothing else ("thanks a lot!", "תודה רבה", "يعطيك العافية", "díky moc"): not "thanks anyway",
# "thanks for trying", "شكرا على كل حال" or "díky i tak", which thank for an answer that did not help.
_THANKS = _folded("thanks", "thank", "thx", "ty", "tysm", "cheers", "appreciated", "appreciate", "תודה", "תנקס",
                  "شكرا", "مشكور", "مشكورة", "يعطيك", "العافية", "تسلم", "تسلمي", "يسلمو", "diky", "dik", "dekuji",
                  "dekuju")
_AROUND_THANKS = _folded("you", "so", "very", "much", "a", "lot", "many", "really", "great", "awesome", "perfect", "ok",
                         "okay", "it", "רבה", "רבות", "ענקית", "אחי", "מעולה", "סבבה", "جزيلا", "كتير", "كثير", "الله",
                         "ايدك", "ممتاز", "moc", "mockrat", "mnohokrat", "vam", "super", "skvele")
MAX_THANKS_WORDS = 6


def _typed_words(text: str | None) -> list[str]:
    """The message's words, folded as the closed word lists are."""
    return _folded_words(fold_typed(text or ""))


def _folded_words(folded: str) -> list[str]:
    """The words of a text already folded (:func:`fold_typed`), with a typographic apostrophe made plain."""
    return _WORD.findall(folded.replace("\u2019", "'"))


def only_thanks(text: str | None) -> bool:
    """Whether the message is a thank-you and nothing else, which under "Did that answer your question?" says it
    did (:data:`_THANKS` among a few of :data:`_AROUND_THANKS`)."""
    words = _typed_words(text)
    return (0 < len(words) <= MAX_THANKS_WORDS and any(word in _THANKS for word in words)
            and all(word in _THANKS or word in _AROUND_THANKS for word in words))


def says_it_helped_plainly(text: str | None) -> bool:
    """Whether the message says only that the answer helped ("هذا ساعدني", this helped me, which DIET read as a
    no): a phrase of :data:`HELPED_PHRASES` among a few words that cannot negate it."""
    words = _typed_words(text)
    return (_has_helped_phrase(words) and len(words) <= MAX_PLAIN_HELPED_WORDS
            and all(word in _HELPED_WORDS or word in _AROUND_HELPED for word in words))


def says_it_helped(text: str | None, understood_is_enough: bool = True) -> bool:
    """Whether the message says the answer helped or was enough, not merely yes; with ``understood_is_enough``
    false, "got it" does not count (under one step of a guide it acknowledges the step)."""
    return _has_helped_phrase(_typed_words(text), understood_is_enough)


def _has_helped_phrase(words: list[str], understood_is_enough: bool = True) -> bool:
    """:func:`says_it_helped` for the message's folded words."""
    phrases = HELPED_PHRASES if understood_is_enough else HELPED_PHRASES[len(UNDERSTOOD_PHRASES):]
    return any(not _negated_before(words, start) for start, _ in _phrases_in(words, phrases))


def _phrases_in(words: list[str], phrases: tuple[tuple[str, ...], ...]) -> Iterator[tuple[int, int]]:
    """Where each of ``phrases`` stands in ``words``: its start and end."""
    for start in range(len(words)):
        for phrase in phrases:
            if tuple(words[start:start + len(phrase)]) == phrase:
                yield start, start + len(phrase)


def _negated_before(words: list[str], start: int) -> bool:
    """Whether the word before ``words[start]`` (articles and adverbs aside) is a negation."""
    before = [word for word in words[:start] if word not in _BETWEEN]
    return bool(before) and _negation(before[-1])


def _negation(word: str) -> bool:
    """Whether ``word`` is a negation, also with "and" written onto it ("ולא", "وما")."""
    return word in NEGATIONS or (word.startswith(AND_PREFIXES) and word[1:] in NEGATIONS)


# "Still not working" says what an answer did, nothing of a topic, in one of three ways: a negation and what
# should have happened ("not working", "didn't fix it", "nothing changed"); a word that the problem persists
# and the problem ("same problem", "still the same", "עדיין יש לי בעיה"); or a Czech negated verb, which is
# both ("nefunguje"). Nothing else but small words: a topic word ("the app still doesn't work") makes it a
# question for the knowledge base. "still" or "again" with no negation and no problem is no complaint ("it
# works again"), and a message that says it helped never is ("problem solved, thanks again").
_NEGATING = NEGATIONS | _folded("don't", "dont", "won't", "wont", "can't", "cant", "cannot", "nothing", "no", "כלום", "אין",
                                "لن", "ليس", "nic", "ani")
_PERSISTING = _folded(
    "still", "again", "עדיין", "שוב", "מזה", "مازال", "مازالت", "زال", "زالت", "يزال", "تزال", "مازلت", "لسه", "لسا",
    "لساتها", "porad", "stale", "furt", "jeste", "zase",
    # "the same" is both: the problem, still there
    "same", "אותה", "אותו", "نفس", "stejne", "stejny", "stejna", "stejnej",
)
_PROBLEMS = _folded("problem", "problems", "issue", "error", "same", "thing", "דבר", "الشي", "الشيء", "בעיה", "הבעיה", "תקלה", "התקלה", "אותה", "אותו",
                    "مشكلة", "المشكلة", "مشكلتي", "نفس", "problem", "problemu", "chyba", "stejne", "stejny",
                    "stejna", "stejnej")
_OUTCOMES = _folded(
    "work", "works", "working", "worked", "help", "helps", "helped", "helping", "helpful", "fix", "fixed", "solve",
    "solved", "resolved", "changed", "change", "happening", "happened", "luck", "difference",
    "עובד", "עובדת", "עבד", "עבדה", "עוזר", "עזר", "עזרו", "נפתר", "נפתרה", "פתר", "מצליח", "מצליחה", "הצליח", "השתנה",
    "שינוי",
    "يعمل", "يشتغل", "شغال", "شغالة", "اشتغل", "اشتغلت", "زبط", "ساعد", "ساعدني", "ساعدتني", "نفع", "ينفع", "انحلت",
    "اتحلت", "انحل", "تحل", "تنحل", "تغير",
    "funguje", "fungovalo", "jde", "pomohlo", "pomohl", "pomohla", "vyresilo", "vyreseno", "zmenilo",
)
# Czech says "not" inside the verb: "nefunguje" alone is the whole message.
_FAILED_OUTCOMES = _folded("nefunguje", "nefungovalo", "nejde", "nepomohlo", "nepomohl", "nepomohla", "nepomohli",
                           "nevyresilo", "nezmenilo")
_SMALL_WORDS = _folded(
    "it", "it's", "its", "that", "that's", "thats", "this", "the", "i", "i'm", "im", "have", "has", "had", "a", "my",
    "me", "for", "but", "unfortunately", "sorry", "yet", "tried", "try", "did", "do", "does", "is", "was", "at", "all",
    "really", "just", "and", "so", "ok", "okay", "well", "there", "to", "already", "twice", "thanks", "nope",
    "either",
    "זה", "את", "לי", "אבל", "ניסיתי", "פעמיים", "כבר", "גם", "אני", "יש", "לצערי", "עשיתי", "באמת", "תודה", "אוקיי",
    "בכלל", "עם",
    "هذا", "هذه", "هاد", "هيك", "ده", "دي", "انا", "عندي", "لي", "بس", "لكن", "جربت", "حاولت", "مرتين", "كمان",
    "برضو", "ايضا", "للاسف", "عملت", "سويت", "شكرا", "الحين", "هلق", "موجودة", "موجود", "هي", "هو", "ابدا", "خالص",
    "شي", "شيء",
    "to", "mi", "se", "ale", "jsem", "zkusil", "zkusila", "dvakrat", "uz", "bohuzel", "diky", "mam", "i", "a", "tak",
    "vubec",
)
_DENYING = NEGATIONS | _folded("no", "nope", "never", "nothing", "none", "אין", "בלי", "bez", "zadny", "zadna",
                                "zadne")
_NOT_HELPED_WORDS = _NEGATING | _PERSISTING | _PROBLEMS | _OUTCOMES | _FAILED_OUTCOMES | _SMALL_WORDS | _BETWEEN
MAX_NOT_HELPED_WORDS = 10


def _unprefixed(word: str) -> str:
    """``word`` as :data:`_NOT_HELPED_WORDS` lists it, without an attached "and" when that makes it one."""
    if word not in _NOT_HELPED_WORDS and word.startswith(AND_PREFIXES) and word[1:] in _NOT_HELPED_WORDS:
        return word[1:]
    return word


# What a customer expected to happen besides an answer working: a parcel or a refund arriving, an app opening,
# being able to.
_ARRIVALS = _folded(
    "arrived", "arrive", "came", "come", "received", "receive", "open", "opens", "load", "loads", "loading",
    "הגיע", "הגיעה", "הגיעו", "קיבלתי", "נכנס", "נכנסה", "נפתח", "נפתחת", "נטען", "נטענת",
    "وصل", "وصلت", "وصلني", "وصلتني", "وصلنا", "يصل", "يوصل", "رجع", "رجعت", "نزل", "نزلت", "يفتح", "يحمل",
    "dorazil", "dorazila", "dorazilo", "prislo", "prisly", "prisel", "doslo",
)
_FAILED_ARRIVALS = _folded("nedorazil", "nedorazila", "nedorazilo", "neprislo", "neprisly", "neprisel", "nedoslo",
                           "neotevre", "nenacte")
_EXPECTED = _OUTCOMES | _ARRIVALS | _folded("fine")  # "it wasn't working before but it's fine now"
_FAILED = _FAILED_OUTCOMES | _FAILED_ARRIVALS
# What turns a failure into the past: "…but now it works", "…אבל היום הגיע", "…بس وصل اليوم", "…ale dnes už přišel".
_NOW = _folded("now", "today", "finally", "עכשיו", "היום", "בסוף", "الحين", "الان", "اليوم", "اخيرا", "ted", "dnes",
               "nakonec")
_SINCE = _NOW | _folded("but", "אבל", "بس", "لكن", "ale")
# Negations written as one word with the verb's helper ("the app won't open", "don't work").
_CONTRACTED_NEGATIONS = _folded("don't", "dont", "won't", "wont", "can't", "cant", "cannot", "haven't", "havent")
# Not getting in is a problem ("I can't log in", "ما قدرت ادخل حسابي", "לא הצלחתי להתחבר", "nemůžu se přihlásit"),
# said with an inability and a getting-in verb: "I can't wait any longer", "ما اقدر انتظر", "don't sign me up" or
# "I couldn't help it" stay withdrawals.
_GETTING_IN = _folded("log", "login", "sign", "access", "enter", "להיכנס", "להכנס", "להתחבר", "ادخل", "يدخل", "ندخل",
                      "اسجل", "افتح", "تسجيل", "prihlasit", "otevrit")
# Getting-in verbs only with the next word: "get into my account" (not "get a refund"), "الدخول الى حسابي" (not "…في
# التفاصيل", into the details).
_GETTING_IN_WITH = {"get": _folded("in", "into"), "dostat": _folded("do"), "sign": _folded("in", "into", "on", "up"),
                    "الدخول": _folded("الى", "على", "لحسابي", "للحساب", "للتطبيق", "للموقع")}
_ABILITIES = _folded("can", "could", "able", "let", "נותן", "נותנת", "יכול", "יכולה", "יכולים", "יכולתי", "הצלחתי", "הצלחנו", "قدرت",
                     "قدرنا", "اقدر", "نقدر", "يقدر", "قادر", "قادرة", "استطيع", "نستطيع", "اتمكن", "تمكنت", "يمكنني",
                     "عارف", "عارفة")
_INABILITIES = _folded("can't", "cant", "cannot", "couldn't", "couldnt", "unable", "ماقدرت", "nemuzu", "nemohu", "nemohl",
                       "nemohla", "nemuzeme", "nedari")
# What may stand between an inability and its verb: "not able to log in", "can't seem to", "nemohl jsem se přihlásit".
_BEFORE_A_VERB = _folded("to", "seem", "me", "se", "mi", "jsem", "nyni", "uz", "עוד", "לי", "من", "اسوي")
# "Managed" or "sorted" after a failure says it works now ("couldn't log in, managed now"), unless negated or
# followed by what was managed ("I haven't managed to reset it", "I managed to reach the courier"); "figured"
# only as "figured it out" ("…figured I'd ask" is none).
_SORTED_OUT = _folded("managed", "sorted", "הסתדרתי", "הסתדר", "zvladl", "zvladla")
_FIGURED_IT_OUT = ("figured", "it", "out")
# After a "but" or "now": "…but it's ok now", "…بس الحين تمام", "…ale teď to jde".
_RECOVERED = _SORTED_OUT | _folded("ok", "okay", "تمام", "زبط", "jde")
_RECOVERED_OUTCOME = _EXPECTED | _RECOVERED
# Help or a change after a failure is asked for or wanted, not had: "the app doesn't work now, help me", "…but I
# need help", "…but I want to change my email".
_ASKED_FOR = _folded("help", "helps", "helped", "helping", "helpful", "עוזר", "עזר", "עזרו", "עזרה", "ساعد", "ساعدني",
                     "ساعدتني", "pomoc", "pomozte", "change", "changed")
# A getting-in failure recovers by getting in, being able to, working or loading ("…now it loads", "…עכשיו זה עבד"),
# not by a parcel arriving ("I can't log in, but my parcel arrived today").
_RECOVERED_GETTING_IN = _OUTCOMES | _RECOVERED | _GETTING_IN | _folded(
    "fine", "open", "opens", "load", "loads", "loading", "נפתח", "נפתחת", "נטען", "נטענת", "يفتح", "يحمل",
    "logged", "signed", "התחברתי", "נכנסתי", "دخلت", "سجلت", "prihlasil", "prihlasila", "prihlaseny", "prihlasena",
    "muzu", "mohu", "good", "בסדר")  # "…but it's all good now" (of the app or a parcel it may be something else's)
# "…now I'm in", "…now I got in" (said last, or before "now" or thanks: not "I'm in a hurry").
_IN = _folded("in", "into")
_GOT = _folded("got", "i'm", "im")
_AFTER_IN = _NOW | _THANKS
# "It lets me" or "נותן" after a failure is no recovery: "…עכשיו, נותן שגיאה" (it gives an error).
_LETTING = _folded("let", "נותן", "נותנת")
# Being able to again counts only when said of now ("…but now I can"; not "…but I could yesterday") and not asked
# of someone ("…now, can you help?", "…אני יכול לקבל עזרה?").
_ASKED_OF = _folded("you", "someone", "somebody", "anyone", "i", "we", "מישהו", "אתה", "את", "לקבל", "احد")
# Words that may stand between a negation and what it negates: "לא ממש עובד", "لسه ما وصل" reads "still not",
# "I haven't been able to", "ما عم اقدر".
_NEGATED_SPAN = _BETWEEN | (_PERSISTING - _PROBLEMS) | _folded("been", "عم")


# "Never mind" says the customer lets it go, whatever else they say: "never mind, I can't access it from work anyway";
# not "never mind the code, it doesn't work" or "nevadí mi čekat, ale…". Hebrew's "לא משנה" is as often "no matter if"
# and "changes nothing", so it is not among them.
_DISMISSALS = tuple(tuple(fold_typed(word) for word in phrase.split()) for phrase in (
    "never mind", "nevermind", "forget it", "don't bother", "dont bother", "nevadí"))
_NOT_DISMISSING_AFTER = _folded("the", "about", "that", "my", "this", "mi", "ze", "že")


def _dismisses(words: list[str]) -> bool:
    return any(not (end < len(words) and words[end] in _NOT_DISMISSING_AFTER) for _, end in _phrases_in(words, _DISMISSALS))


def says_something_does_not_work(text: str | None) -> bool:
    """Whether the message says that something does not work or did not arrive ("the app is not working now",
    "האפליקציה לא עובדת עכשיו", "التطبيق ما يشتغل الحين", "طلبي لسه ما وصل", "balík nedorazil"): what should have
    happened, negated (or a Czech negated verb), and not happened since ("…but it arrived today", "…now it
    works"; "the tracking says it arrived" is no since); a "no" opening the message answers the bot. Not getting
    in is one too ("I can't log in", "ما قدرت ادخل"), and recovers by getting in or being able to of now ("…but now
    I can"); "managed", "sorted" or "figured it out" after a failure say it works now. A customer saying it is
    solved ("it works now", "اشتغل الحين") negates nothing, however they say they no longer need help ("לא צריך
    נציג", "ما ابي انتظر"), and one letting it go ("never mind, …") withdraws whatever else they say."""
    typed = _words_after_a_no(text)
    if _dismisses(typed):
        return False
    words = [word for word in typed if word not in _NEGATED_SPAN]  # "לא, עובד עכשיו": it works
    failures = [failure for index in range(len(words)) if (failure := _failure_at(words, index)) is not None]
    if not failures:
        return False
    end, getting_in = failures[-1]
    after = words[end + 1:]
    if any(word in _SORTED_OUT and not _negated_at(after, position) and after[position + 1:position + 2] != ["to"]
           for position, word in enumerate(after)) or any(_phrases_in(after, (_FIGURED_IT_OUT,))):
        return False
    # Solved since: "it didn't arrive yesterday, but it arrived today", "I couldn't log in but now I can".
    since = next((index for index, word in enumerate(after) if word in _SINCE), None)
    if since is None:
        return True
    rest = after[since + 1:]
    said_of_now = any(word in _NOW for word in after)
    return not any(_recovers(rest, position, getting_in, said_of_now) for position in range(len(rest)))


def _recovers(rest: list[str], position: int, getting_in: bool, said_of_now: bool) -> bool:
    """Whether ``rest[position]``, after a "but" or "now", says the failure is over: not negated ("…but now I can
    not log in"), and being able to only of now and not asked of someone."""
    word, following = rest[position], rest[position + 1:position + 2]
    if _negated_at(rest, position) or (following and _negation(following[0])) or word in _ASKED_FOR:
        return False
    if word in (_RECOVERED_GETTING_IN if getting_in else _RECOVERED_OUTCOME):
        return True
    if word in _IN and position and rest[position - 1] in _GOT:
        return not following or following[0] in _AFTER_IN
    able_again = getting_in and word in _ABILITIES and word not in _LETTING
    return able_again and said_of_now and not (following and following[0] in _ASKED_OF)


def _negated_at(words: list[str], position: int) -> bool:
    """Whether the very word before ``words[position]`` negates it (:func:`_negated_before` looks past articles
    and adverbs; here they were taken out of the words already)."""
    before = words[position - 1] if position else ""
    return _negation(before) or before in _CONTRACTED_NEGATIONS


def _failure_at(words: list[str], index: int) -> tuple[int, bool] | None:
    """The failure ``words[index]`` begins, if any: where it ends, and whether it is not getting in (which recovers
    by other words). A Czech failed verb, what should have happened negated, or an inability and a getting-in
    verb after it."""
    word = words[index]
    if word in _FAILED:
        return index, False
    negated = _negated_at(words, index)
    if word in _INABILITIES or (word in _ABILITIES and (negated or words[index + 1:index + 2] == ["not"])):
        verb = _getting_in_after(words, index)
        return None if verb is None else (verb, True)
    return (index, False) if negated and word in _EXPECTED else None


def _getting_in_after(words: list[str], index: int) -> int | None:
    """Where the getting-in verb stands a few words after an inability ("not able to log in", "ما قدرت الحين ادخل")."""
    for later in range(index + 1, min(index + 5, len(words))):
        word, following = words[later], words[later + 1:later + 2]
        if word in _GETTING_IN_WITH:
            return later if following and following[0] in _GETTING_IN_WITH[word] else None
        if word in _GETTING_IN:
            return later
        if not (word in _BEFORE_A_VERB or word in _SINCE or _negation(word)):
            return None
    return None


def _words_after_a_no(text: str | None) -> list[str]:
    """The message's words (:func:`_unprefixed`), without a "no" that answers the bot, first and set off ("no,
    fixed", "ne, nefunguje", "לא, עובד עכשיו"): what follows says how it went."""
    folded = fold_typed(text or "")
    return [_unprefixed(word) for word in _folded_words(folded)][1 if opens_with_no(folded) else 0:]


OPENING_NO = re.compile(r"^\W*(?:(?:no|לא|لا|ne)\s*[,.!;:،—–-]|(?:nope|nah)\b)", re.IGNORECASE)


def opens_with_no(text: str | None) -> bool:
    """Whether a message begins by answering "no" ("no, both amounts were taken", "לא, עדיין…", "ne."), as
    opposed to beginning with a negation ("לא מצליח להתחבר", "no one answers"): the word set off by
    punctuation, or "nope"/"nah"."""
    return bool(OPENING_NO.match(text or ""))


def says_it_did_not_help(text: str | None) -> bool:
    """Whether the message only says the answer did not work ("still not working", "ועדיין לא עובד",
    "لسه مش شغال", "pořád to nefunguje"): the customer's "no", though NLU reads a question."""
    words = _words_after_a_no(text)
    if not 0 < len(words) <= MAX_NOT_HELPED_WORDS or any(ch.isdigit() for ch in text or ""):
        return False
    if any(word not in _NOT_HELPED_WORDS for word in words) or _has_helped_phrase(words):
        return False
    # Articles and adverbs aside, what a negation stands right before is what it negates ("the same" is a
    # problem still there, never one denied).
    close = [word for word in words if word not in _BETWEEN]
    if any(word in _PROBLEMS and word not in _PERSISTING and before in _DENYING for before, word in pairwise(close)):
        return False  # "not a problem", "still no error", "لا مشكلة": thanks, not a complaint
    return (any(word in _FAILED_OUTCOMES for word in words)
            or any(before in _NEGATING and word in _OUTCOMES for before, word in pairwise(close))
            or (any(word in _PERSISTING for word in words) and any(word in _PROBLEMS for word in words)))
