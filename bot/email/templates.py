"""What the customer reads in our e-mails and on the rating page, in English, Hebrew, Arabic and Czech.

The resolution e-mail and the rating page ask whichever survey ``SURVEY`` names (CES, CSAT or NPS;
see :mod:`bot.ces.surveys`), with that survey's question, scale and one link per score.

Every text is written for its language (not a word-for-word translation). The receipt greets the
customer by the name given in the chat where the language's greeting takes a name as it is ("Hello
Dana," "שלום דנה," "مرحبًا دانة،"); Czech would need the name's vocative ("Dobrý den, pane Nováku"),
which a name alone does not give, so a Czech receipt greets without it. A ticket in any other
language gets the English texts.
"""
from __future__ import annotations

from dataclasses import dataclass

RTL_LANGUAGES = frozenset({"he", "ar"})


@dataclass(frozen=True)
class SurveyTexts:
    """One survey's question (``{company}`` filled in), the meaning of its two ends, and the page title."""

    question: str
    scale_low: str
    scale_high: str
    page_title: str


@dataclass(frozen=True)
class Texts:
    greeting: str
    greeting_by_name: str | None
    """``{name}`` filled in; None where a name cannot be used as given."""
    receipt_subject: str
    receipt_body: str
    reply_subject: str
    reply_body: str
    resolution_subject: str
    resolution_body: str
    surveys: dict[str, SurveyTexts]
    page_send: str
    page_chosen: str
    page_thanks: str
    page_already: str
    page_invalid: str
    page_expired: str


TEXTS = {
    "en": Texts(
        greeting="Hello,",
        greeting_by_name="Hello {name},",
        receipt_subject="[{reference}] We received your request: {subject}",
        receipt_body=(
            "{greeting}\n\n"
            "Thank you for contacting {company} support. Your request is now ticket {reference}:\n\n"
            "    {subject}\n\n"
            "What happens next: one of our agents will answer you in the chat, or by e-mail if you have left it. "
            "To add anything, just reply to this e-mail and keep [{reference}] in the subject.\n\n"
            "{company} Support\n"
        ),
        reply_subject="Re: [{reference}] {subject}",
        reply_body=(
            "{agent} from {company} support answered your request {reference}:\n\n"
            "{text}\n\n"
            "You can reply to this e-mail, or carry on in the chat: the answer is there too.\n"
        ),
        resolution_subject="[{reference}] Your request has been resolved",
        resolution_body=(
            "We have marked your request {reference} ({subject}) as resolved.\n\n"
            "One quick question: {question} Just click a number ({scale}):\n\n"
            "{scores}\n\n"
            "If the problem is not solved yet, reply to this e-mail and we will keep working on it.\n\n"
            "{company} Support\n"
        ),
        surveys={
            "ces": SurveyTexts("\u201c{company} made it easy for me to handle my issue.\u201d How much do you agree?",
                               "1 = strongly disagree", "7 = strongly agree", "How easy was it?"),
            "csat": SurveyTexts("How satisfied are you with the help you got?",
                                "1 = very dissatisfied", "5 = very satisfied", "How satisfied are you?"),
            "nps": SurveyTexts("How likely are you to recommend {company} to a friend or colleague?",
                               "0 = not at all likely", "10 = extremely likely", "Would you recommend us?"),
        },
        page_send="Send my answer",
        page_chosen="You chose {score}. Send it, or pick another number.",
        page_thanks="Thank you, your answer is saved.",
        page_already="Thank you, we already have your answer for this request.",
        page_invalid="This link is not valid. Please open the link from our e-mail exactly as it is.",
        page_expired="This link has expired: answers can be given for {days} days after the e-mail.",
    ),
    "he": Texts(
        greeting="שלום,",
        greeting_by_name="שלום {name},",
        receipt_subject="[{reference}] קיבלנו את הפנייה שלך: {subject}",
        receipt_body=(
            "{greeting}\n\n"
            "תודה שפנית לתמיכה של {company}. הפנייה שלך נרשמה במספר {reference}:\n\n"
            "    {subject}\n\n"
            "מה הלאה: אחד הנציגים שלנו יענה לך בצ'אט, או במייל אם כבר יצאת ממנו. "
            "כדי להוסיף פרטים, אפשר פשוט להשיב למייל הזה (בלי למחוק את [{reference}] משורת הנושא).\n\n"
            "צוות התמיכה של {company}\n"
        ),
        reply_subject="Re: [{reference}] {subject}",
        reply_body=(
            "תשובה לפנייה {reference}, מאת {agent} מצוות התמיכה של {company}:\n\n"
            "{text}\n\n"
            "אפשר להשיב ישירות למייל הזה, או להמשיך בצ'אט – התשובה מחכה לך גם שם.\n"
        ),
        resolution_subject="[{reference}] הפנייה שלך טופלה",
        resolution_body=(
            "סימנו את הפנייה שלך {reference} ({subject}) כפתורה.\n\n"
            "שאלה קצרה: {question} אפשר פשוט ללחוץ על מספר ({scale}):\n\n"
            "{scores}\n\n"
            "אם הבעיה עדיין לא נפתרה, אפשר להשיב למייל הזה ונמשיך לטפל בה.\n\n"
            "צוות התמיכה של {company}\n"
        ),
        surveys={
            "ces": SurveyTexts("\u201d{company} הקלה עליי לטפל בבעיה שלי.\u201d עד כמה את/ה מסכים/ה?",
                               "1 = בכלל לא מסכים/ה", "7 = מסכים/ה מאוד", "עד כמה זה היה קל?"),
            "csat": SurveyTexts("עד כמה את/ה מרוצה מהעזרה שקיבלת?",
                                "1 = לא מרוצה בכלל", "5 = מרוצה מאוד", "עד כמה את/ה מרוצה?"),
            "nps": SurveyTexts("מה הסיכוי שתמליץ/י על {company} לחבר או לעמית?",
                               "0 = בכלל לא סביר", "10 = סביר מאוד", "היית ממליץ/ה עלינו?"),
        },
        page_send="שליחת התשובה",
        page_chosen="בחרת {score}. אפשר לשלוח, או לבחור מספר אחר.",
        page_thanks="תודה, התשובה שלך נשמרה.",
        page_already="תודה, כבר קיבלנו ממך תשובה על הפנייה הזו.",
        page_invalid="הקישור הזה לא תקין. נא לפתוח את הקישור מהמייל שלנו בדיוק כפי שהוא.",
        page_expired="תוקף הקישור פג: אפשר לענות עד {days} ימים מיום שליחת המייל.",
    ),
    "ar": Texts(
        greeting="مرحبًا،",
        greeting_by_name="مرحبًا {name}،",
        receipt_subject="[{reference}] استلمنا طلبك: {subject}",
        receipt_body=(
            "{greeting}\n\n"
            "شكرًا لتواصلك مع دعم {company}. سجّلنا طلبك برقم {reference}:\n\n"
            "    {subject}\n\n"
            "الخطوة التالية: سيرد عليك أحد موظفي الدعم في المحادثة، أو عبر البريد الإلكتروني إذا كنت قد غادرتها. "
            "لإضافة أي تفاصيل، يكفي أن ترد على هذه الرسالة مع إبقاء [{reference}] في عنوانها.\n\n"
            "فريق دعم {company}\n"
        ),
        reply_subject="Re: [{reference}] {subject}",
        reply_body=(
            "ردّ {agent} من فريق دعم {company} على طلبك {reference}:\n\n"
            "{text}\n\n"
            "يمكنك الرد مباشرة على هذه الرسالة، أو المتابعة في المحادثة، فالرد موجود هناك أيضًا.\n"
        ),
        resolution_subject="[{reference}] تم حل طلبك",
        resolution_body=(
            "أشرنا إلى طلبك {reference} ({subject}) على أنه تم حله.\n\n"
            "سؤال سريع: {question} يكفي أن تضغط على رقم ({scale}):\n\n"
            "{scores}\n\n"
            "إذا لم تُحل المشكلة بعد، ردّ على هذه الرسالة وسنواصل العمل عليها.\n\n"
            "فريق دعم {company}\n"
        ),
        surveys={
            "ces": SurveyTexts("\u00abجعلت {company} التعامل مع مشكلتي سهلًا.\u00bb إلى أي درجة توافق؟",
                               "1 = لا أوافق إطلاقًا", "7 = أوافق بشدة", "ما مدى سهولة الأمر؟"),
            "csat": SurveyTexts("ما مدى رضاك عن المساعدة التي حصلت عليها؟",
                                "1 = غير راضٍ إطلاقًا", "5 = راضٍ جدًا", "ما مدى رضاك؟"),
            "nps": SurveyTexts("ما مدى احتمال أن تنصح صديقًا أو زميلًا بـ{company}؟",
                               "0 = غير محتمل إطلاقًا", "10 = محتمل جدًا", "هل تنصح بنا؟"),
        },
        page_send="إرسال إجابتي",
        page_chosen="اخترت {score}. يمكنك إرسالها أو اختيار رقم آخر.",
        page_thanks="شكرًا لك، حفظنا إجابتك.",
        page_already="شكرًا لك، لقد وصلتنا إجابتك على هذا الطلب من قبل.",
        page_invalid="هذا الرابط غير صالح. يرجى فتح الرابط الموجود في رسالتنا كما هو تمامًا.",
        page_expired="انتهت صلاحية هذا الرابط: يمكن الإجابة خلال {days} يومًا من إرسال الرسالة.",
    ),
    "cs": Texts(
        greeting="Dobrý den,",
        greeting_by_name=None,
        receipt_subject="[{reference}] Váš požadavek jsme přijali: {subject}",
        receipt_body=(
            "{greeting}\n\n"
            "děkujeme, že jste se obrátili na podporu {company}. Váš požadavek jsme zaevidovali pod číslem {reference}:\n\n"
            "    {subject}\n\n"
            "Co bude dál: někdo z našeho týmu vám odpoví v chatu, nebo e-mailem, pokud už chat zavřete. "
            "Chcete-li něco doplnit, stačí odpovědět na tento e-mail (v předmětu ponechte [{reference}]).\n\n"
            "Tým podpory {company}\n"
        ),
        reply_subject="Re: [{reference}] {subject}",
        reply_body=(
            "Odpověď na váš požadavek {reference} od {agent} z týmu podpory {company}:\n\n"
            "{text}\n\n"
            "Můžete odpovědět přímo na tento e-mail, nebo pokračovat v chatu – odpověď najdete i tam.\n"
        ),
        resolution_subject="[{reference}] Váš požadavek je vyřešený",
        resolution_body=(
            "Váš požadavek {reference} ({subject}) jsme označili jako vyřešený.\n\n"
            "Krátká otázka: {question} Stačí kliknout na číslo ({scale}):\n\n"
            "{scores}\n\n"
            "Pokud problém ještě vyřešený není, odpovězte na tento e-mail a budeme na něm pracovat dál.\n\n"
            "Tým podpory {company}\n"
        ),
        surveys={
            "ces": SurveyTexts("\u201eVyřešení mého problému s {company} bylo snadné.\u201c Nakolik souhlasíte?",
                               "1 = vůbec nesouhlasím", "7 = naprosto souhlasím", "Jak snadné to bylo?"),
            "csat": SurveyTexts("Jak jste spokojeni s pomocí, kterou jste od nás dostali?",
                                "1 = velmi nespokojen(a)", "5 = velmi spokojen(a)", "Jak jste spokojeni?"),
            "nps": SurveyTexts("Jak pravděpodobné je, že byste {company} doporučili příteli nebo kolegovi?",
                               "0 = vůbec ne", "10 = určitě ano", "Doporučili byste nás?"),
        },
        page_send="Odeslat odpověď",
        page_chosen="Vybrali jste {score}. Odešlete ji, nebo zvolte jiné číslo.",
        page_thanks="Děkujeme, vaši odpověď jsme uložili.",
        page_already="Děkujeme, vaši odpověď k tomuto požadavku už máme.",
        page_invalid="Tento odkaz není platný. Otevřete prosím odkaz z našeho e-mailu přesně tak, jak je.",
        page_expired="Platnost odkazu vypršela: odpovědět lze do {days} dnů od odeslání e-mailu.",
    ),
}


def greeting(texts: Texts, name: str | None) -> str:
    """The e-mail's first line: by the customer's name when there is one and the language allows it."""
    name = (name or "").strip()
    return texts.greeting_by_name.format(name=name) if name and texts.greeting_by_name else texts.greeting


def texts_for(language: str | None) -> Texts:
    return TEXTS.get((language or "en").lower(), TEXTS["en"])


def direction(language: str | None) -> str:
    return "rtl" if (language or "").lower() in RTL_LANGUAGES else "ltr"
