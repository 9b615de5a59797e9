"""Questions about the wait, told apart from everything else a waiting customer writes, in the four languages."""
import pytest

from bot.engine.wait_questions import asks_about_the_wait


@pytest.mark.parametrize("text", [
    "how long will it take?", "Hello? Is anyone there??", "still waiting", "I’m still waiting…", "any update?",
    "hi, how much longer do I have to wait please", "what's my place in the queue",
    "כמה זמן עוד?", "יש עדכון?", "שלום, יש פה מישהו?", "אני עדיין מחכה",
    "كم من الوقت سأنتظر؟", "هل من جديد؟", "مرحبا، هل يوجد أحد؟", "لسه مستني",
    "jak dlouho ještě?", "Haló, je tam někdo?", "porad cekam", "kolikátý jsem v pořadí?",
])
def test_a_question_about_the_wait(text):
    assert asks_about_the_wait(text)


@pytest.mark.parametrize("text", [
    "how long does a refund take?", "how long is the return window", "still", "hello", "ok", "", None,
    "I'm still waiting for my refund from last month", "כמה זמן לוקח החזר?", "كم من الوقت يستغرق الشحن؟",
    "jak dlouho trvá doručení?",
    "how long " * 20,
])
def test_anything_else_is_not(text):
    assert not asks_about_the_wait(text)
