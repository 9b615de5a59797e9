"""Cleaning one-line fields: names, e-mail addresses and subjects lose bidi control characters
(bidi spoofing), message bodies keep them."""
import pytest

from bot.helpdesk.text import BIDI_CONTROLS, clean_text, normalize_email, one_line, without_bidi_controls


@pytest.mark.parametrize("text, cleaned", [
    ("\u202eevil.exe", "evil.exe"),  # right-to-left override: would show as "exe.live"
    ("Noa\u202e moc.knab", "Noa moc.knab"),
    ("\u2067נועה כהן\u2069", "נועה כהן"),  # isolates
    ("\u202bدانة\u202c الأحمد", "دانة الأحمد"),  # embedding and its pop
    ("\u200fנועה\u200e \u061cعلي", "נועה علي"),  # RLM, LRM, Arabic letter mark
    ("Jiří\u202d Novák", "Jiří Novák"),
    ("\u202e\u2066\u200f", ""),  # nothing left: the caller falls back to "Unknown customer"
])
def test_one_line_fields_lose_every_bidi_control(text, cleaned):
    assert one_line(text, 200) == cleaned


def test_the_bidi_controls_are_exactly_the_reordering_characters():
    assert sorted(f"{ord(ch):04X}" for ch in BIDI_CONTROLS) == [
        "061C", "200E", "200F", "202A", "202B", "202C", "202D", "202E", "2066", "2067", "2068", "2069"]
    # Letters, digits, joiners and spaces that merely look invisible stay.
    kept = "a1 \u200d\u200c\u00a0\u05d0\u0627"
    assert without_bidi_controls(kept) == kept


def test_a_cut_name_is_cut_after_the_controls_are_gone():
    assert one_line("\u202e" * 50 + "Dana Cohen", 10) == "Dana Cohen"
    assert one_line("\u202eDana Cohen-Levi", 10) == "Dana Cohe…"


def test_an_email_address_with_a_right_to_left_mark_is_the_address():
    assert normalize_email("\u200fNoa@Example.com\u202c") == "noa@example.com"
    with pytest.raises(ValueError, match="not an e-mail address"):
        normalize_email("\u202e@example.com")


def test_message_bodies_keep_their_marks():
    """Hebrew and Arabic writers put RLM/LRM in messages on purpose; only one-line fields lose them."""
    body = "המספר \u200f1234\u200f עדיין לא עובד"
    assert clean_text(body) == body
