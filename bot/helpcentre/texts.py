"""The help centre's words in its four languages, and the demo KB's category names."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class HelpTexts:
    help_centre: str
    home_title: str
    search_label: str
    search_placeholder: str
    search_button: str
    categories: str
    popular: str
    results_for: str
    no_result: str
    no_result_next: str
    ask_assistant: str
    contact_us: str
    empty_query: str
    shortened: str
    was_helpful: str
    yes: str
    no: str
    thanks: str
    still_need_help: str
    related: str
    also_in: str
    article_language: str
    not_found_title: str
    not_found_text: str
    home_link: str
    you_are_here: str
    language: str
    contact_chat: str
    contact_chat_button: str
    contact_email: str
    ask_intro: str
    your_question: str
    chat_needs_script: str
    feedback_refused: str
    search_unavailable: str


TEXTS: dict[str, HelpTexts] = {
    "en": HelpTexts(
        help_centre="Help centre",
        home_title="How can we help?",
        search_label="Search the help centre",
        search_placeholder="Describe your question",
        search_button="Search",
        categories="Categories",
        popular="Popular articles",
        results_for="Results for “{query}”",
        no_result="We have no article about that yet.",
        no_result_next="Our assistant or our support team can still help you.",
        ask_assistant="Ask our assistant",
        contact_us="Contact us",
        empty_query="Type a question to search the help centre.",
        shortened="Your question was long, so we searched for its first {max} characters.",
        was_helpful="Was this article helpful?",
        yes="Yes",
        no="No",
        thanks="Thank you for your feedback!",
        still_need_help="Still need help?",
        related="Related articles",
        also_in="Also available in",
        article_language="Article language: {language}",
        not_found_title="Page not found",
        not_found_text="We couldn't find that page. Try searching, or go back to the help centre home.",
        home_link="Help centre home",
        you_are_here="You are here",
        language="Language",
        contact_chat="Chat with our assistant: it answers right away and brings in a person when it can't help.",
        contact_chat_button="Start a chat",
        contact_email="Or write to us at {email}.",
        ask_intro="Our assistant opens in the corner of this page with your question.",
        your_question="Your question:",
        chat_needs_script="The chat needs JavaScript. You can also contact us another way.",
        feedback_refused="We could not record your answer. Please go back to the article and try again.",
        search_unavailable="Search is unavailable right now. Please try again in a minute, browse the categories, or ask our assistant.",
    ),
    "he": HelpTexts(
        help_centre="מרכז העזרה",
        home_title="איך אפשר לעזור?",
        search_label="חיפוש במרכז העזרה",
        search_placeholder="כתבו את השאלה שלכם",
        search_button="חיפוש",
        categories="נושאים",
        popular="מאמרים פופולריים",
        results_for="תוצאות עבור „{query}”",
        no_result="עדיין אין לנו מאמר בנושא הזה.",
        no_result_next="העוזר הדיגיטלי או צוות התמיכה שלנו ישמחו לעזור.",
        ask_assistant="שאלו את העוזר הדיגיטלי",
        contact_us="צרו קשר",
        empty_query="הקלידו שאלה כדי לחפש במרכז העזרה.",
        shortened="השאלה ארוכה, ולכן חיפשנו לפי {max} התווים הראשונים שלה.",
        was_helpful="המאמר הזה עזר לכם?",
        yes="כן",
        no="לא",
        thanks="תודה על המשוב!",
        still_need_help="עדיין צריכים עזרה?",
        related="מאמרים קשורים",
        also_in="המאמר זמין גם ב:",
        article_language="שפת המאמר: {language}",
        not_found_title="הדף לא נמצא",
        not_found_text="לא מצאנו את הדף הזה. נסו לחפש, או חזרו לדף הבית של מרכז העזרה.",
        home_link="לדף הבית של מרכז העזרה",
        you_are_here="אתם נמצאים כאן",
        language="שפה",
        contact_chat="דברו עם העוזר הדיגיטלי שלנו: הוא עונה מיד, ומעביר לנציג כשהוא לא יכול לעזור.",
        contact_chat_button="פתיחת צ'אט",
        contact_email="אפשר גם לכתוב לנו לכתובת {email}.",
        ask_intro="העוזר הדיגיטלי ייפתח בפינת הדף עם השאלה שלכם.",
        your_question="השאלה שלכם:",
        chat_needs_script="הצ'אט דורש JavaScript. אפשר גם ליצור איתנו קשר בדרך אחרת.",
        feedback_refused="לא הצלחנו לשמור את התשובה. חזרו למאמר ונסו שוב.",
        search_unavailable="החיפוש אינו זמין כרגע. נסו שוב בעוד דקה, עיינו בקטגוריות או שאלו את העוזר הדיגיטלי שלנו.",
    ),
    "ar": HelpTexts(
        help_centre="مركز المساعدة",
        home_title="كيف يمكننا مساعدتك؟",
        search_label="ابحث في مركز المساعدة",
        search_placeholder="اكتب سؤالك",
        search_button="بحث",
        categories="الأقسام",
        popular="المقالات الأكثر قراءة",
        results_for="نتائج البحث عن «{query}»",
        no_result="لا توجد لدينا مقالة حول هذا الموضوع بعد.",
        no_result_next="يسعد مساعدنا الرقمي أو فريق الدعم لدينا بمساعدتك.",
        ask_assistant="اسأل مساعدنا الرقمي",
        contact_us="تواصل معنا",
        empty_query="اكتب سؤالاً للبحث في مركز المساعدة.",
        shortened="سؤالك طويل، لذلك بحثنا باستخدام أول {max} حرف منه.",
        was_helpful="هل كانت هذه المقالة مفيدة؟",
        yes="نعم",
        no="لا",
        thanks="شكرًا على ملاحظاتك!",
        still_need_help="هل ما زلت بحاجة إلى مساعدة؟",
        related="مقالات ذات صلة",
        also_in="هذه المقالة متوفرة أيضًا بـ:",
        article_language="لغة المقالة: {language}",
        not_found_title="الصفحة غير موجودة",
        not_found_text="لم نتمكن من العثور على هذه الصفحة. جرّب البحث أو عُد إلى الصفحة الرئيسية لمركز المساعدة.",
        home_link="الصفحة الرئيسية لمركز المساعدة",
        you_are_here="أنت هنا",
        language="اللغة",
        contact_chat="تحدّث مع مساعدنا الرقمي: يجيب فورًا، ويحوّلك إلى أحد موظفينا عندما لا يستطيع المساعدة.",
        contact_chat_button="ابدأ محادثة",
        contact_email="أو راسلنا على {email}.",
        ask_intro="سيفتح مساعدنا الرقمي في زاوية هذه الصفحة ومعه سؤالك.",
        your_question="سؤالك:",
        chat_needs_script="تتطلب المحادثة تفعيل JavaScript. يمكنك أيضًا التواصل معنا بطريقة أخرى.",
        feedback_refused="تعذّر تسجيل إجابتك. يرجى العودة إلى المقالة والمحاولة مرة أخرى.",
        search_unavailable="البحث غير متاح حالياً. يرجى المحاولة مرة أخرى بعد دقيقة، أو تصفّح الفئات، أو اسأل مساعدنا الرقمي.",
    ),
    "cs": HelpTexts(
        help_centre="Centrum nápovědy",
        home_title="Jak vám můžeme pomoci?",
        search_label="Hledat v centru nápovědy",
        search_placeholder="Napište svůj dotaz",
        search_button="Hledat",
        categories="Kategorie",
        popular="Nejčtenější články",
        results_for="Výsledky pro „{query}“",
        no_result="K tomuto tématu zatím nemáme žádný článek.",
        no_result_next="Náš asistent nebo tým podpory vám rádi pomohou.",
        ask_assistant="Zeptejte se našeho asistenta",
        contact_us="Kontaktujte nás",
        empty_query="Zadejte dotaz a prohledejte centrum nápovědy.",
        shortened="Váš dotaz byl dlouhý, proto jsme hledali podle jeho prvních {max} znaků.",
        was_helpful="Pomohl vám tento článek?",
        yes="Ano",
        no="Ne",
        thanks="Děkujeme za zpětnou vazbu!",
        still_need_help="Stále potřebujete pomoc?",
        related="Související články",
        also_in="Článek je k dispozici také v jazycích:",
        article_language="Jazyk článku: {language}",
        not_found_title="Stránka nenalezena",
        not_found_text="Tuto stránku jsme nenašli. Zkuste vyhledávání, nebo se vraťte na úvodní stránku nápovědy.",
        home_link="Úvodní stránka nápovědy",
        you_are_here="Nacházíte se zde",
        language="Jazyk",
        contact_chat="Napište našemu asistentovi: odpoví hned, a když si neví rady, předá vás kolegům z podpory.",
        contact_chat_button="Zahájit chat",
        contact_email="Nebo nám napište na {email}.",
        ask_intro="Náš asistent se otevře v rohu této stránky s vaším dotazem.",
        your_question="Váš dotaz:",
        chat_needs_script="Chat potřebuje JavaScript. Můžete nás kontaktovat i jinak.",
        feedback_refused="Vaši odpověď se nepodařilo uložit. Vraťte se prosím na článek a zkuste to znovu.",
        search_unavailable="Vyhledávání teď není dostupné. Zkuste to prosím za minutu znovu, projděte kategorie nebo se zeptejte našeho asistenta.",
    ),
}

LANGUAGE_NAMES = {"en": "English", "he": "עברית", "ar": "العربية", "cs": "Čeština"}
"""Each language in its own words: the language switcher and the translation links."""

LANGUAGE_NAMES_IN = {
    "en": {"en": "English", "he": "Hebrew", "ar": "Arabic", "cs": "Czech"},
    "he": {"en": "אנגלית", "he": "עברית", "ar": "ערבית", "cs": "צ'כית"},
    "ar": {"en": "الإنجليزية", "he": "العبرية", "ar": "العربية", "cs": "التشيكية"},
    "cs": {"en": "angličtina", "he": "hebrejština", "ar": "arabština", "cs": "čeština"},
}
"""Language names as a reader of the first language says them (a result in another language)."""

CATEGORY_NAMES: dict[str, dict[str, str]] = {
    "account": {"en": "Account & sign-in", "he": "חשבון והתחברות", "ar": "الحساب وتسجيل الدخول",
                "cs": "Účet a přihlášení"},
    "billing": {"en": "Billing & payments", "he": "חיובים ותשלומים", "ar": "الفواتير والمدفوعات",
                "cs": "Platby a fakturace"},
    "orders": {"en": "Orders", "he": "הזמנות", "ar": "الطلبات", "cs": "Objednávky"},
    "delivery": {"en": "Delivery", "he": "משלוחים", "ar": "التوصيل", "cs": "Doručení"},
    "returns": {"en": "Returns & refunds", "he": "החזרות וזיכויים", "ar": "الإرجاع واسترداد المبالغ",
                "cs": "Vrácení zboží a peněz"},
    "subscription": {"en": "Subscription", "he": "מנוי", "ar": "الاشتراك", "cs": "Předplatné"},
    "privacy": {"en": "Privacy & data", "he": "פרטיות ומידע אישי", "ar": "الخصوصية والبيانات",
                "cs": "Soukromí a osobní údaje"},
    "troubleshooting": {"en": "Troubleshooting", "he": "פתרון תקלות", "ar": "حل المشكلات", "cs": "Řešení potíží"},
    "support": {"en": "Contact & support", "he": "יצירת קשר ותמיכה", "ar": "التواصل والدعم", "cs": "Kontakt a podpora"},
}
"""Display names of the demo KB's categories; a category not listed shows as its name, title-cased."""


def texts_for(language: str) -> HelpTexts:
    return TEXTS.get(language, TEXTS["en"])


def category_name(category: str, language: str) -> str:
    names = CATEGORY_NAMES.get(category.lower())
    if names:
        return names.get(language, names["en"])
    return category.replace("-", " ").replace("_", " ").title()

