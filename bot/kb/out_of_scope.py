"""Questions no customer-support KB should answer, per language.

They teach the in-scope gate what "not about us" looks like (weather, jokes, trivia, other
companies' products), next to the held-out questions of the KB itself. Written for this project;
keep them far from any support topic (no orders, accounts, payments, deliveries).
"""
from __future__ import annotations

OUT_OF_SCOPE_QUESTIONS = {
    "en": [
        "what's the weather like tomorrow", "will it rain this weekend", "how hot is it in dubai today",
        "tell me a joke", "say something funny", "do you know any good riddles", "sing me a song",
        "who won the football match last night", "when is the next world cup", "what is the score of the game",
        "what is the capital of australia", "how tall is mount everest", "who wrote romeo and juliet",
        "who invented the light bulb", "how far is the moon from earth", "how many bones are in the human body",
        "what's a good recipe for lasagna", "how long do i boil an egg", "what wine goes with fish",
        "what is 17 times 23", "solve x squared equals 49", "what is the square root of 144",
        "translate good morning into spanish", "what does serendipity mean", "how do you spell necessary",
        "are you a robot", "what is your favourite colour", "do you have feelings", "what is the meaning of life",
        "how do i install windows 11", "my iphone battery drains fast", "how do i cancel my netflix subscription",
        "how do i change my gmail password", "is the new playstation worth buying", "how do i update my android phone",
        "book me a flight to paris", "find a good restaurant near me", "call a taxi for me",
        "set an alarm for 7 am", "remind me to call mom", "play some music", "turn off the lights",
        "what's the latest news", "who is the president of france", "what happened in the stock market today",
        "how do i lose weight fast", "what are the symptoms of the flu", "how many hours should i sleep",
        "recommend a good movie", "what is the best book of all time", "who is the richest person in the world",
        "how do i learn to play guitar", "how do i train my dog to sit", "what time is it in tokyo",
        "how do i fix a flat bicycle tire", "how do plants make oxygen", "why is the sky blue",
        "write me a poem about the sea", "what should i name my cat", "how do i get rid of hiccups",
    ],
    "he": [
        "מה מזג האוויר מחר", "האם ירד גשם בסוף השבוע", "ספר לי בדיחה", "תגיד משהו מצחיק",
        "מי ניצח במשחק הכדורגל אתמול", "מה בירת אוסטרליה", "מי כתב את רומיאו ויוליה", "כמה גבוה הר האוורסט",
        "מתכון טוב ללזניה", "כמה זמן מבשלים ביצה", "כמה זה 17 כפול 23", "איך אומרים בוקר טוב בספרדית",
        "אתה רובוט", "מה הצבע האהוב עליך", "מה משמעות החיים", "איך מתקינים ווינדוס 11",
        "הסוללה של האייפון שלי נגמרת מהר", "תזמין לי טיסה לפריז", "תמצא מסעדה טובה קרוב אליי",
        "תכוון שעון מעורר לשבע בבוקר", "תנגן מוזיקה", "מה החדשות היום", "מי ראש ממשלת צרפת",
        "איך מורידים במשקל מהר", "תמליץ לי על סרט טוב", "למה השמיים כחולים", "תכתוב לי שיר על הים",
        "איך מאלפים כלב לשבת", "מה השעה בטוקיו",
    ],
    "ar": [
        "كيف سيكون الطقس غدا", "هل ستمطر في نهاية الأسبوع", "قل لي نكتة", "قل شيئا مضحكا",
        "من فاز في مباراة كرة القدم أمس", "ما هي عاصمة أستراليا", "من كتب روميو وجولييت", "كم يبلغ ارتفاع جبل إيفرست",
        "وصفة جيدة للازانيا", "كم من الوقت أسلق البيضة", "كم يساوي 17 ضرب 23", "كيف أقول صباح الخير بالإسبانية",
        "هل أنت روبوت", "ما هو لونك المفضل", "ما معنى الحياة", "كيف أثبت ويندوز 11",
        "بطارية الآيفون تنفد بسرعة", "احجز لي رحلة إلى باريس", "ابحث عن مطعم جيد بالقرب مني",
        "اضبط المنبه على السابعة صباحا", "شغل بعض الموسيقى", "ما هي آخر الأخبار", "من هو رئيس فرنسا",
        "كيف أخسر الوزن بسرعة", "اقترح علي فيلما جيدا", "لماذا السماء زرقاء", "اكتب لي قصيدة عن البحر",
        "كيف أدرب كلبي على الجلوس", "كم الساعة في طوكيو",
    ],
    "cs": [
        "jaké bude zítra počasí", "bude o víkendu pršet", "řekni mi vtip", "řekni něco vtipného",
        "kdo vyhrál včera fotbalový zápas", "jaké je hlavní město austrálie", "kdo napsal romea a julii",
        "jak vysoký je mount everest", "dobrý recept na lasagne", "jak dlouho vařit vejce", "kolik je 17 krát 23",
        "jak se řekne dobré ráno španělsky", "jsi robot", "jaká je tvoje oblíbená barva", "jaký je smysl života",
        "jak nainstaluju windows 11", "baterie mého iphonu se rychle vybíjí", "zarezervuj mi let do paříže",
        "najdi dobrou restauraci poblíž", "nastav budík na sedmou ráno", "pusť nějakou hudbu", "jaké jsou dnešní zprávy",
        "kdo je prezident francie", "jak rychle zhubnout", "doporuč mi dobrý film", "proč je obloha modrá",
        "napiš mi báseň o moři", "jak naučit psa sedět", "kolik je hodin v tokiu",
    ],
}
