"""A message that only says who the customer is (bot/engine/introductions.py)."""
import pytest

from bot.engine.introductions import introduced_name


@pytest.mark.parametrize("text, name", [
    ("please call me Jim", "Jim"),
    ("you can call me Sarah", "Sarah"),
    ("call me jim", "Jim"),  # typed in lower case: capitalised
    ("My name is Mike O'Brien", "Mike O'Brien"),
    ("my name's dana cohen.", "Dana Cohen"),
    ("קוראים לי נועה", "נועה"),
    ("שלום, שמי דנה לוי", "דנה לוי"),
    ("השם שלי הוא אבי", "אבי"),
    ("اسمي أحمد", "أحمد"),
    ("مرحبا، انا اسمي محمد علي", "محمد علي"),
    ("jmenuju se Petr", "Petr"),
    ("Dobrý den, jmenuji se Jana Nováková", "Jana Nováková"),
    ("říkejte mi Honzo", "Honzo"),
    # Greetings, titles, pleasantries, thanks never part of the name, Arabic punctuation.
    ("Good morning! My name is Alice Walker", "Alice Walker"),
    ("my name is Dana thanks", "Dana"),
    ("اسمي أحمد شكرا", "أحمد"),
    ("jmenuji se Petr děkuji", "Petr"),
    ("please address me as Ms. Carter", "Ms. Carter"),
    ("my name is Dan, nice to meet you", "Dan"),
    ("בוקר טוב, שמי אורית", "אורית"),
    ("תפנו אליי בתור גברת כהן, בבקשה", "גברת כהן"),
    ("السلام عليكم، سميتي ياسين", "ياسين"),
    ("Oslovujte mě paní Malá", "paní Malá"),
])
def test_a_message_that_only_says_who_the_customer_is_introduces_them(text, name):
    found = introduced_name(text)
    assert found is not None, text
    shown, start, end = found
    assert shown == name
    assert text[start:end].casefold() == name.casefold()  # where the name stands, for the entity


@pytest.mark.parametrize("text", [
    "please call me back",
    "call me about my refund",
    "can you call me tomorrow",
    "call me at 555 1234",
    "call me ASAP",
    "call me by my name",  # CLINC150 asks what the assistant calls the user
    "my name is what",
    "my name is wrong on the invoice",
    "Name is required.",  # a form's error, pasted
    "name is too long",
    "my name is Dana and my order is late",  # a question after the name: the knowledge base's
    "I'm stuck",
    "i'm waiting for my refund",
    "THIS IS RIDICULOUS",
    "I'm Dana from the accounting team of a big company",  # more than a name
    "שמי לא מופיע בחשבונית",
    "اسمي غلط",
    "moje jméno je špatně",
    "jsem naštvaný",
    "hi im stuck",
    # Reported in review: a callback, a person asked for, a remark on the name.
    "Call me back. Thanks!",
    "call me later. thanks",
    "call me this afternoon",
    "call me a manager",
    "call me supervisor",
    "תקראו לי נציג",
    "my name is misspelt",
    "השם שלי שונה",
    "معك حق",
    "اسمي خاطئ",
    "moje jméno je na objednávce",
    # "I am" / "this is" / "here" forms are left to DIET: "I'm Stuck", "It's Great!" read as names otherwise.
    "Hi, I'm Tom",
    "I'm Stuck",
    "It's Great!",
    "Hello, Tom here.",
    "Jsem Petr",
    "This Is Urgent",
    "I Am Waiting",
    "I'm Waiting",
    "Anyone here",
    "Hi, Still here",
    "Tom here placed the order, where is it?",
    "here is my order number",
    "אני מחכה כבר שבוע",  # "אני" + a word is not an introduction: Hebrew has no capitals to tell
    "أنا زعلان",
    "tady je problém s platbou",
    "",
    "my name is",
    "my name is 12345",
    "call me " + "a" * 300,
])
def test_a_message_that_names_nobody_introduces_nobody(text):
    assert introduced_name(text) is None
