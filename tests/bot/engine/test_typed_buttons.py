"""A guide's buttons typed instead of pressed ("next", "כל השלבים", the button's own title) are that button, in
the four languages; anything more than those words, such as a question about a next step, is not."""
from __future__ import annotations

import pytest
import yaml

from bot.engine.typed_buttons import NEXT_GUIDE_STEP, SHOW_ALL_STEPS, typed_button_intent
from bot.settings import PROJECT_ROOT

GUIDE_RESPONSES = ("utter_guide_choose", "utter_guide_step")


def guide_buttons() -> list[tuple[str, str]]:
    """(title, intent) of every button the guide responses of domain.yml show, in every language."""
    responses = yaml.safe_load((PROJECT_ROOT / "domain.yml").read_text(encoding="utf-8"))["responses"]
    return [(button["title"], button["payload"].removeprefix("/"))
            for name in GUIDE_RESPONSES for variant in responses[name] for button in variant["buttons"]]


def test_every_guide_button_title_typed_is_that_button():
    buttons = guide_buttons()
    assert len(buttons) == 16  # two buttons, two responses, four languages
    assert [(title, typed_button_intent(title)) for title, _ in buttons] == buttons


@pytest.mark.parametrize("typed", ["next", "Next step!", "  NEXT  please ", "הבא", "השלב הבא", "التالي", "الخطوة التالية",
                                   "další", "Dalsi krok", "step by step", "שלב אחר שלב", "خطوة بخطوة", "krok za krokem",
                                   "one by one", "one at a time", "אחד אחד",
                                   "واحدة واحدة", "postupně"])
def test_a_typed_next_or_step_by_step_is_the_next_step_button(typed):
    assert typed_button_intent(typed) == NEXT_GUIDE_STEP


@pytest.mark.parametrize("typed", ["all steps", "Show all steps.", "show me all the steps", "כל השלבים",
                                   "הצג את כל השלבים", "كل الخطوات", "اعرض كل الخطوات", "جميع الخطوات",
                                   "všechny kroky", "ukaž všechny kroky", "zobraz všechny kroky",
                                   "all at once", "All of them!", "בבת אחת", "دفعة واحدة", "všechny najednou"])
def test_a_typed_all_steps_is_the_show_all_steps_button(typed):
    assert typed_button_intent(typed) == SHOW_ALL_STEPS


@pytest.mark.parametrize("typed", ["what is the next step after I return an item", "next week", "show all orders",
                                   "steps", "", None, "<b>next</b>", "next' OR 1=1 --", "🙂"])
def test_anything_else_is_no_button(typed):
    assert typed_button_intent(typed) is None
