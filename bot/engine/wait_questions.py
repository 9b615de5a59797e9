"""Whether a customer waiting for a person asks about the wait ("how long?", "any update?", "is anyone there?").

While a ticket waits in the queue every customer message goes to the agent, and these got no answer at all
until an agent took the ticket. They are for us as much as for the agent: the customer hears their place
in the queue (``actions/handoff.py``), and the question is never taken for leaving (DIET read "still
waiting" and "كم من الوقت سأنتظر؟" as withdrawing the request, and "jak dlouho ještě?" as an effort
score). Closed lists matched against the whole message, greetings and courtesies at its ends aside, as
in :mod:`bot.engine.typed_buttons`: "how long does a refund take?" stays a question for the knowledge
base. Standard library only: HandoffPolicy runs in the Rasa process.
"""
from __future__ import annotations

import re

from bot.engine.typed_text import fold_typed

_QUESTIONS = {
    "en": """how long | how long will it take | how long will this take | how long is the wait | how long do i have to wait
        | how long will i have to wait | how long will i wait | how much longer | how much longer do i have to wait
        | how much longer will it take | still waiting | i'm still waiting | im still waiting | i am still waiting
        | any update | any updates | any news | is anyone there | anyone there | is anybody there | anybody there
        | is someone there | someone there | where is the agent | where's the agent | when will someone answer
        | when will someone reply | when will someone answer me | when will an agent answer | when will i get an answer
        | what's my place in the queue | whats my place in the queue | where am i in the queue | what number am i
        | how many people are ahead of me | how many are ahead of me""",
    "he": """כמה זמן | כמה זמן עוד | עוד כמה זמן | כמה זמן זה ייקח | כמה זמן עוד אחכה | כמה זמן אצטרך לחכות | כמה עוד לחכות
        | אני עדיין מחכה | עדיין מחכה | אני עוד מחכה | יש עדכון | יש עדכונים | יש חדש | יש מישהו | יש פה מישהו | יש שם מישהו
        | מישהו שם | מישהו פה | איפה הנציג | מתי יענו לי | מתי מישהו יענה | מתי מישהו יענה לי | איפה אני בתור
        | מה המקום שלי בתור | כמה לפניי | כמה אנשים לפניי | כמה לפני""",
    "ar": """كم من الوقت | كم من الوقت سأنتظر | كم سأنتظر | كم من الوقت يستغرق | كم باقي | إلى متى | إلى متى سأنتظر
        | ما زلت أنتظر | مازلت أنتظر | لا زلت أنتظر | لسه مستني | لسا مستني | هل من جديد | في جديد | أي جديد
        | هل يوجد تحديث | في تحديث | هل يوجد أحد | هل من أحد | في حد | في أحد | حد موجود | أين الموظف | وين الموظف
        | متى سيرد أحد | متى سيرد علي أحد | متى يردون | ما ترتيبي | كم ترتيبي | ما هو ترتيبي في قائمة الانتظار
        | كم شخص قبلي""",
    "cs": """jak dlouho | jak dlouho ještě | jak dlouho to bude trvat | jak dlouho budu čekat | jak dlouho ještě budu čekat
        | ještě dlouho | pořád čekám | stále čekám | pořád ještě čekám | ještě čekám | nějaké novinky | máte nějaké novinky
        | je tam někdo | je tu někdo | kde je operátor | kdy se mi někdo ozve | kdy mi někdo odpoví | kolikátý jsem
        | kolikátá jsem | kolikátý jsem v pořadí | kolikátá jsem v pořadí | kolik lidí je přede mnou""",
}
# Words that may stand before or after the question without changing it: greetings, courtesies, "so", "ok".
_EDGE_WORDS = """hello hi hey please pls so ok okay um sorry excuse me still
    שלום היי הי בבקשה סליחה נו אז
    مرحبا السلام عليكم لو سمحت من فضلك يا طيب
    haló halo ahoj dobrý den prosím promiňte tak no"""

_NOT_WORD = re.compile(r"[^\w\s']+")
_MAX_WORDS = 16  # the longest question and its courtesies; anything longer says more than that


def _words(text: str) -> list[str]:
    return _NOT_WORD.sub(" ", fold_typed(text).replace("\u2019", "'")).split()


_PHRASES = frozenset(" ".join(_words(phrase)) for phrases in _QUESTIONS.values() for phrase in phrases.split("|"))
_EDGES = frozenset(_words(_EDGE_WORDS))


def asks_about_the_wait(text: str | None) -> bool:
    """Whether the whole message (greetings and courtesies at its ends aside) asks how long the wait is,
    whether anyone is there, or for news, in one of the four languages."""
    words = _words(text or "")
    if len(words) > _MAX_WORDS:
        return False
    leading = next((i for i, word in enumerate(words) if word not in _EDGES), len(words))
    trailing = len(words) - next((i for i, word in enumerate(reversed(words)) if word not in _EDGES), len(words))
    return any(" ".join(words[start:end]) in _PHRASES
               for start in range(leading + 1) for end in range(max(start, trailing), len(words) + 1))
