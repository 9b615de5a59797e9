"""Questions about other companies' products ("cancel my Netflix", "my Xbox won't start").

Similarity alone cannot tell "how do I cancel my Netflix subscription" from our own "cancel my
subscription" article: every word but one is covered. So a question naming a well-known product or
company that the KB itself never mentions is treated as out of scope, and the bot says whose
question it is. A KB that does deal with one of these names (a bank whose articles mention Apple
Pay, a shop shipping with DHL) keeps it in scope automatically; an article tag is enough.

Deliberately absent: names customers use in questions about *us* — devices and systems ("iPhone",
"Android", "Windows"), messaging apps they reach us on, payment methods, card networks — and
names that are also common words ("Target", "Steam", "Zoom", "UPS" as in "top ups").
"""
from __future__ import annotations

from collections.abc import Iterable

from bot.kb import text as kbtext

OTHER_COMPANIES: dict[str, tuple[str, ...]] = {
    # display name → spellings customers type (Latin, and Hebrew / Arabic transliterations)
    "Netflix": ("netflix", "נטפליקס", "نتفليكس"),
    "Spotify": ("spotify", "ספוטיפיי", "سبوتيفاي"),
    "Disney+": ("disney", "דיסני", "ديزني"),
    "HBO": ("hbo",),
    "YouTube": ("youtube", "יוטיוב", "يوتيوب"),
    "Hulu": ("hulu",),
    "Twitch": ("twitch",),
    "Audible": ("audible",),
    "Facebook": ("facebook", "פייסבוק", "فيسبوك", "فيس بوك"),
    "Instagram": ("instagram", "אינסטגרם", "انستغرام", "انستقرام"),
    "TikTok": ("tiktok", "tik tok", "טיקטוק", "تيك توك"),
    "Twitter": ("twitter", "טוויטר", "تويتر"),
    "Snapchat": ("snapchat", "סנאפצ'ט", "سناب شات"),
    "LinkedIn": ("linkedin",),
    "Pinterest": ("pinterest",),
    "Reddit": ("reddit",),
    "Gmail": ("gmail", "ג'ימייל", "جيميل"),
    "iCloud": ("icloud",),
    "Apple Music": ("apple music",),
    "Apple TV": ("apple tv",),
    "Apple ID": ("apple id",),
    "Google Drive": ("google drive",),
    "Google Photos": ("google photos",),
    "Google Maps": ("google maps",),
    "Windows": ("windows 10", "windows 11"),
    "Microsoft Office": ("microsoft office", "office 365"),
    "ChatGPT": ("chatgpt", "openai"),
    "Amazon": ("amazon", "אמזון", "امازون"),
    "eBay": ("ebay", "איביי", "ايباي"),
    "AliExpress": ("aliexpress", "עליאקספרס", "علي اكسبرس"),
    "Walmart": ("walmart",),
    "Etsy": ("etsy",),
    "Shein": ("shein", "שיין", "شي ان"),
    "Temu": ("temu", "טמו", "تيمو"),
    "IKEA": ("ikea", "איקאה", "ايكيا"),
    "Zara": ("zara", "זארה", "زارا"),
    "Costco": ("costco",),
    "Best Buy": ("best buy",),
    "Uber": ("uber", "אובר", "اوبر"),
    "Lyft": ("lyft",),
    "Airbnb": ("airbnb", "איירבנב"),
    "Booking.com": ("booking.com",),
    "Expedia": ("expedia",),
    "Ryanair": ("ryanair",),
    "easyJet": ("easyjet",),
    "DoorDash": ("doordash",),
    "Deliveroo": ("deliveroo",),
    "Grubhub": ("grubhub",),
    "Wolt": ("wolt", "וולט", "وولت"),
    "Just Eat": ("just eat",),
    "FedEx": ("fedex",),
    "DHL": ("dhl",),
    "USPS": ("usps",),
    "DPD": ("dpd",),
    "Zásilkovna": ("zasilkovna",),
    "Xbox": ("xbox", "אקסבוקס", "اكس بوكس"),
    "PlayStation": ("playstation", "ps4", "ps5", "פלייסטיישן", "بلايستيشن", "بلاي ستيشن"),
    "Nintendo": ("nintendo", "נינטנדו", "نينتندو"),
    "Fortnite": ("fortnite",),
    "Roblox": ("roblox",),
    "Verizon": ("verizon",),
    "Vodafone": ("vodafone", "וודאפון", "فودافون"),
    "T-Mobile": ("t-mobile",),
}


class OtherCompanyNames:
    """Finds the other companies' names (above) that a question uses and the KB does not."""

    def __init__(self, language: str, kb_texts: Iterable[str]):
        self.language = language
        self._by_first_word: dict[str, list[tuple[tuple[str, ...], str]]] = {}
        for name, spellings in OTHER_COMPANIES.items():
            for spelling in spellings:
                words = tuple(kbtext.words(spelling, language))
                if words:
                    self._by_first_word.setdefault(words[0], []).append((words, name))
        mentioned_by_kb: set[str] = set()
        for text in kb_texts:
            mentioned_by_kb.update(self._names_in(text))
        for first_word, entries in list(self._by_first_word.items()):
            self._by_first_word[first_word] = [(w, n) for w, n in entries if n not in mentioned_by_kb]

    def _names_in(self, text: str) -> list[str]:
        # A word matches in its typed form or its light stem: "netflixu" (Czech), "בנטפליקס" (Hebrew "on Netflix").
        forms = [{word, kbtext.stem(word, self.language)} for word in kbtext.words(text, self.language)]
        found = []
        for start, first_forms in enumerate(forms):
            for first_word in first_forms:
                for words, name in self._by_first_word.get(first_word, ()):
                    following = forms[start + 1 : start + len(words)]
                    if len(following) == len(words) - 1 and all(w in f for w, f in zip(words[1:], following, strict=True)):
                        found.append(name)
        return found

    def find(self, question: str) -> str | None:
        """The first other company's name in ``question`` that the KB never mentions, or ``None``."""
        return next(iter(self._names_in(question)), None)
