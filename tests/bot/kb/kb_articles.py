"""Helpers for KB tests: write articles, and a small realistic multilingual demo KB."""
import csv
from collections.abc import Iterable
from pathlib import Path


def write_article(
    folder: Path,
    article_id: str,
    title: str,
    language: str,
    questions: Iterable[str],
    body: str = "",
    url: str | None = None,
    filename: str | None = None,
    kind: str | None = None,
) -> Path:
    lines = ["---", f"id: {article_id}", f'title: "{title}"', f"language: {language}"]
    if url:
        lines.append(f"url: {url}")
    if kind:
        lines.append(f"kind: {kind}")
    lines.append("tags: [demo]")
    lines.append("questions:")
    lines += [f'  - "{q}"' for q in questions]
    lines += ["---", body or f"{title}. This is the answer."]
    path = folder / (filename or f"{article_id}.md")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


DEMO_ARTICLES = [
    ("reset-password", "How to reset your password", "en", [
        "I forgot my password", "reset my password", "can't log in, forgot password",
        "how do I change my password", "password reset link not working", "lost my password",
        "I need a new password", "password recovery",
    ], "Select **Forgot password** on the sign-in page and follow the link we email you.\n\nThe link is valid for 1 hour."),
    ("track-order", "Where is my order?", "en", [
        "where is my order", "track my package", "when will my order arrive", "order status",
        "my parcel hasn't arrived yet", "tracking number for my delivery", "has my order shipped",
        "how long until my package comes",
    ], "Open **Account › Orders** to see the tracking link of each parcel."),
    ("cancel-order", "Cancel an order", "en", [
        "cancel my order", "I want to cancel an order I just placed", "stop my order before it ships",
        "can I cancel a purchase", "cancel order", "I ordered by mistake, cancel it", "how to cancel an order",
        "undo my order",
    ], "You can cancel an order while it is Processing: Account › Orders › Cancel."),
    ("cancel-subscription", "Cancel your subscription", "en", [
        "cancel my subscription", "stop my monthly plan", "end my membership", "unsubscribe from the plan",
        "how to cancel subscription", "I don't want to renew", "stop auto renewal", "cancel my plan",
    ], "Go to Account › Subscription and select Cancel subscription."),
    ("refund-status", "Where is my refund?", "en", [
        "where is my refund", "refund status", "how long does a refund take", "I still haven't got my money back",
        "when will I get my money", "refund not showing on my card", "refund was issued but not received",
        "check my refund",
    ], "Refunds reach your card 5–10 business days after we issue them."),
    ("payment-methods", "Payment methods we accept", "en", [
        "what payment methods do you accept", "can I pay with paypal", "do you take credit cards",
        "can I pay by bank transfer", "is apple pay accepted", "pay with debit card", "payment options",
        "can I pay cash on delivery",
    ], "We accept Visa, Mastercard, PayPal and Apple Pay."),
    ("shipping-costs", "Shipping costs", "en", [
        "how much is shipping", "delivery cost", "is shipping free", "shipping fees", "free delivery threshold",
        "why do I pay for delivery", "cost of express shipping", "shipping price",
    ], "Standard shipping is free over 50 EUR; express costs 9 EUR."),
    ("delete-account", "Delete your account", "en", [
        "delete my account", "close my account", "remove my profile", "I want my account deleted",
        "how do I delete my data and account", "deactivate account", "erase my account", "get rid of my account",
    ], "Account › Privacy › Delete account removes your account within 30 days."),
    ("reset-password-he", "איך לאפס את הסיסמה", "he", [
        "שכחתי את הסיסמה", "איך מאפסים סיסמה", "לא מצליח להתחבר שכחתי סיסמה", "אני צריך סיסמה חדשה",
        "קישור לאיפוס סיסמה לא עובד",
    ], "בחרו **שכחתי סיסמה** בדף הכניסה ופעלו לפי הקישור שנשלח אליכם."),
    ("track-order-he", "איפה ההזמנה שלי", "he", [
        "איפה ההזמנה שלי", "מתי החבילה תגיע", "מעקב אחרי משלוח", "ההזמנה עוד לא הגיעה", "מספר מעקב של ההזמנה",
    ], "פתחו את **החשבון › הזמנות** כדי לראות את קישור המעקב."),
    ("refund-status-he", "איפה ההחזר הכספי שלי", "he", [
        "איפה ההחזר שלי", "מתי אקבל את הכסף בחזרה", "ההחזר לא הגיע", "כמה זמן לוקח החזר כספי", "סטטוס החזר",
    ], "החזרים מגיעים לכרטיס תוך 5–10 ימי עסקים."),
    ("reset-password-ar", "كيفية إعادة تعيين كلمة المرور", "ar", [
        "نسيت كلمة المرور", "كيف أعيد تعيين كلمة المرور", "لا أستطيع تسجيل الدخول نسيت كلمة السر",
        "أحتاج كلمة مرور جديدة", "رابط إعادة تعيين كلمة المرور لا يعمل",
    ], "اختر **نسيت كلمة المرور** في صفحة تسجيل الدخول واتبع الرابط."),
    ("track-order-ar", "أين طلبي", "ar", [
        "أين طلبي", "متى سيصل الطرد", "تتبع الشحنة", "طلبي لم يصل بعد", "رقم تتبع الطلب",
    ], "افتح **الحساب › الطلبات** لرؤية رابط التتبع."),
    ("refund-status-ar", "أين استرداد أموالي", "ar", [
        "أين المبلغ المسترد", "متى سأستعيد أموالي", "لم يصل الاسترداد", "كم يستغرق استرداد المال", "حالة الاسترداد",
    ], "يصل المبلغ المسترد إلى بطاقتك خلال 5–10 أيام عمل."),
    ("reset-password-cs", "Jak obnovit heslo", "cs", [
        "zapomněl jsem heslo", "jak obnovit heslo", "nemůžu se přihlásit, zapomenuté heslo", "potřebuji nové heslo",
        "odkaz na obnovení hesla nefunguje",
    ], "Na přihlašovací stránce zvolte **Zapomenuté heslo** a pokračujte podle odkazu v e-mailu."),
    ("track-order-cs", "Kde je moje objednávka", "cs", [
        "kde je moje objednávka", "kdy dorazí balík", "sledování zásilky", "objednávka ještě nepřišla",
        "číslo pro sledování objednávky",
    ], "Otevřete **Účet › Objednávky** a uvidíte odkaz na sledování."),
    ("refund-status-cs", "Kde jsou moje peníze zpět", "cs", [
        "kde je moje vrácení peněz", "kdy dostanu peníze zpět", "vrácení peněz nepřišlo", "jak dlouho trvá vrácení peněz",
        "stav vrácení peněz",
    ], "Peníze se vrátí na kartu do 5–10 pracovních dnů."),
]


def write_demo_kb(folder: Path) -> Path:
    for article_id, title, language, questions, body in DEMO_ARTICLES:
        write_article(folder / language, article_id, title, language, questions, body,
                      url=f"https://help.example.com/{article_id}")
    return folder


# A tiny banking-like labelled data set for bench-kb.
INTENTS = {
    "card_arrival": ["where is my new card", "my card has not arrived", "card still not delivered",
                     "when will my card come", "how long does the card take to arrive", "card delivery status"],
    "lost_card": ["I lost my card", "my card was stolen", "can't find my card", "block my lost card",
                  "card missing from wallet", "report a stolen card"],
    "exchange_rate": ["what is the exchange rate", "how much is a euro in dollars", "currency conversion rate",
                      "exchange rates today", "which rate do you use to convert", "conversion fee and rate"],
    "top_up": ["how do I top up", "add money to my account", "top up with a card", "my top up failed",
               "load funds", "put money in my account"],
}


def write_csv(path: Path, rows, header=("text", "category")) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path
