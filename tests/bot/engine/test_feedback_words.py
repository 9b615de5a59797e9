"""A "yes" that also says the answer was enough, told apart from a bare "yes", and a message that only says the
answer did not work, told apart from a question, in the four languages."""
import pytest

from bot.engine.feedback_words import (
    only_thanks,
    opens_with_no,
    says_it_did_not_help,
    says_it_helped,
    says_it_helped_plainly,
    says_something_does_not_work,
)


@pytest.mark.parametrize("text", [
    "yes thanks that helped", "Yes, that’s all I needed", "ok got it, thanks", "that worked!", "all good thanks",
    "כן תודה זה עזר", "הבנתי, תודה", "זה מספיק לי",
    "نعم شكرا هذا ساعدني", "تمام فهمت", "مفيد جدا",
    "ano díky, to pomohlo", "ano, to staci", "už to mám, díky", "vyřešeno",
])
def test_a_yes_that_says_it_helped(text):
    assert says_it_helped(text)


@pytest.mark.parametrize("text", [
    "yes", "yes please", "sure, show me", "ok", "yes it didn't help", "that doesn't help",
    "כן", "כן בבקשה", "לא עזר",
    "نعم", "نعم من فضلك", "ما ساعد",
    "ano", "jo, ukaž", "ano prosím", "",
    None,
])
def test_a_plain_yes_or_a_negated_help_is_not_that_helped(text):
    assert not says_it_helped(text)


def test_words_that_only_contain_a_phrase_do_not_count():
    assert not says_it_helped("unsolved")


NOT_HELPED = [
    "still not working", "it still doesn't work", "I still have a problem", "same problem", "nothing changed",
    "still the same", "I tried that and it didn't work", "still not fixed",
    "פעמיים ניסיתי ועדיין לא עובד", "עדיין לא עובד", "זה לא עזר", "עדיין יש לי בעיה",
    "لسه مش شغال", "ما زال لا يعمل", "ما ساعدني", "المشكلة لسه",
    "pořád to nefunguje", "nefunguje", "nepomohlo to", "furt to nejde", "stále stejný problém",
    # a "no" first, "and" written onto the next word, more ways of saying it
    "no, still not working", "nope, still the same", "ניסיתי ולא עבד", "וזה לא עובד", "לא עובד בכלל", "לא פתר",
    "עדיין תקלה", "جربت وما اشتغل", "جربت ولم ينفع", "مازالت المشكلة", "لم تحل", "ani to nepomohlo",
    "pořád stejná chyba", "it didn't really work", "לא ממש עובד", "no change", "nothing happened", "didn't work either",
    "same thing", "אותו דבר", "אין שינוי", "ما تغير شي", "نفس الشي", "no luck",
    # a "no" that answers the bot, then the same problem (a third review: read as "no problem")
    "no, same problem", "nope, same issue", "לא, אותה בעיה", "لا، نفس المشكلة", "ne, stejný problém",
    # the "no" as typed with a hamza or vowel marks, folded like every word
    "لأ، المشكلة لسه موجودة", "לֹא, אותה בעיה",
]


@pytest.mark.parametrize("text", NOT_HELPED)
def test_a_message_that_only_says_the_answer_did_not_work(text):
    assert says_it_did_not_help(text)


@pytest.mark.parametrize("text", [
    # a topic makes it a question for the knowledge base
    "the app doesn't work", "my parcel still hasn't arrived", "login still not working", "error 404 still",
    "האפליקציה לא עובדת", "التطبيق مش شغال", "aplikace nefunguje",
    # a request for help, a yes, a no, or thanks, is not it
    "help", "I have a problem", "no", "still", "it works", "thanks that helped", "לא", "عندي مشكلة", "", None,
    # a problem denied is thanks
    "not a problem", "that's not an issue", "لا مشكلة", "مش مشكلة", "I don't have any problems",
    # "again" or "still" in thanks, and anything that says it worked (a review found these read as a no)
    "it works again, thanks", "thanks again, it worked", "problem solved, thanks again", "I tried again and it worked",
    "עובד שוב", "שוב תודה, זה עבד", "נפתר, תודה שוב", "díky, zase to jde", "اشتغل بعد ما جربت مرتين",
    # a problem denied by "no", or "nothing" that negates nothing (a second review)
    "no problem, thanks again", "thanks again, no problem", "still no error", "no issue again", "nothing, it works",
    "nothing to fix", "no thanks",
    # a "no" that answers the bot, then that it works (a third review: read as "not working")
    "no, fixed", "no, resolved", "no, works", "no, the fix worked", "ne, funguje", "لا، اشتغل", "לא, עובד",
    "لأ، انحلت المشكلة", "لأ، اشتغل الحين", "לֹא, עובד שוב",
])
def test_a_topic_or_a_plain_no_is_not_only_that_it_did_not_work(text):
    assert not says_it_did_not_help(text)


@pytest.mark.parametrize("text", ["هذا ساعدني", "that helped, thanks", "זה עזר", "to pomohlo", "thanks, that really helped"])
def test_it_helped_plainly(text):
    assert says_it_helped_plainly(text)


@pytest.mark.parametrize("text", [
    "no, it helped", "لا ما ساعدني", "it helped but not with the refund", "I don't think it helped", "nothing helped",
    "none of that helped", "can't say it helped", "you weren't helpful", "ولا شي ساعد", "nemyslím si, že to pomohlo",
    "nevím jestli to pomohlo", "it didn't really help",
])
def test_a_helped_with_anything_that_may_negate_it_is_not_plainly_that(text):
    """DIET reads these as a no, and a no they stay (a review found "I don't think it helped" made a yes)."""
    assert not says_it_helped_plainly(text)


@pytest.mark.parametrize("text", ["no, both amounts were taken from my card", "No. Still nothing", "nope still broken",
                                  "Nah", "לא, עדיין לא הגיע", "لا، لم يصلني شيء", "ne, pořád nic", "  no!"])
def test_a_message_that_answers_no_first_opens_with_no(text):
    assert opens_with_no(text)


@pytest.mark.parametrize("text", ["no one answers my emails", "לא מצליח להתחבר", "لا أستطيع تسجيل الدخول",
                                  "nefunguje mi to", "notifications", "and can I pay with paypal?", "", None])
def test_a_negation_or_anything_else_does_not(text):
    assert not opens_with_no(text)


@pytest.mark.parametrize("text", ["got it", "ok got it", "הבנתי", "فهمت", "rozumím"])
def test_got_it_is_that_it_helped_except_under_one_step_of_a_guide(text):
    assert says_it_helped(text)
    assert not says_it_helped(text, understood_is_enough=False)


@pytest.mark.parametrize("text", ["yes that fixed it", "yes, it's working now", "yes it worked"])
def test_that_it_works_is_that_it_helped_even_under_a_step(text):
    assert says_it_helped(text, understood_is_enough=False)


@pytest.mark.parametrize("text", ["thanks!", "Thank you so much", "thx", "cheers", "תודה רבה!", "תודה אחי", "شكرا جزيلا",
                                  "يعطيك العافية", "الله يعطيك العافية", "تسلم ايدك", "díky moc", "Děkuji mockrát",
                                  "děkuju, super"])
def test_a_thank_you_alone(text):
    assert only_thanks(text)


@pytest.mark.parametrize("text", [
    # thanks for an answer that did not help (a review found these counted as "it helped")
    "thanks anyway", "thanks for trying", "thanks for nothing", "thanks i guess", "cheers anyway",
    "thanks, I will contact support", "شكرا على كل حال", "díky i tak", "תודה בכל זאת",
    # more than thanks, or no thanks at all
    "thanks but how do I get a refund", "no thanks", "ok", "great", "", None, "👍",
])
def test_a_thank_you_with_anything_else_is_not_one_alone(text):
    assert not only_thanks(text)


@pytest.mark.parametrize("text", [
    "the app is not working now", "it still doesn't work", "my refund never came",
    "האפליקציה לא עובדת עכשיו", "ההזמנה עדיין לא הגיעה", "החבילה לא ממש הגיעה",
    "التطبيق ما يشتغل الحين", "الطلب ما وصلني لحد الآن", "طلبي لسه ما وصل", "ولسه ما اشتغل",
    "balík mi pořád nedorazil", "aplikace pořád nefunguje",
    "the app won't open now", "the app don't work now", "האפליקציה לא נפתחת עכשיו",
    "it works now but the parcel never arrived",
    # what did not arrive counts wherever it is said
    "the parcel didn't arrive, the tracking says it arrived", "it doesn't work, I got an error",
    "ההזמנה לא הגיעה, קיבלתי הודעה שנמסרה", "الطلب ما وصل، وصلتني رسالة انه تم التسليم", "balík nedorazil, přišel mi jen e-mail",
    # not getting in, or not being able to: DIET read "ما قدرت ادخل حسابي الحين" as a withdrawal
    "ما قدرت ادخل حسابي الحين", "ما اقدر افتح التطبيق", "I couldn't log in", "I can't log in to my account",
    "I'm not able to sign in", "לא יכול להתחבר לחשבון", "לא הצלחתי להיכנס", "nemůžu se přihlásit",
    "I'm unable to log in", "I can't seem to log in", "I can not log in", "לא יכולתי להתחבר", "לא יכול עוד להתחבר",
    "ما قدرت الحين ادخل", "ما يقدر يدخل", "لا أستطيع تسجيل الدخول إلى حسابي", "لم أتمكن من تسجيل الدخول", "مش قادر افتح الحساب",
    "nemohl jsem se přihlásit", "nemůžu se teď přihlásit", "nedaří se mi přihlásit",
    # what works since must be the same kind of thing
    "the app doesn't open, but I can log in on the website", "I could log in yesterday but now I can't log in",
    "I haven't been able to log in", "I can't get into my account", "it won't let me log in", "nemůžu se dostat do účtu",
    "لا يمكنني تسجيل الدخول", "ما عم اقدر ادخل", "ما زبط معي الدخول", "לא נותן לי להתחבר",
    # what comes after is no recovery: a request for help, a negated "managed", being able to on another day
    "I can't log in now, can you help?", "I can't log in, but I need help", "ما اقدر ادخل الحين ساعدني",
    "לא יכול להתחבר עכשיו, אני יכול לקבל עזרה?", "I can't log in but I could yesterday", "the app doesn't work now, help me",
    "I can't log in, I haven't managed to reset it", "the parcel didn't arrive, I managed to reach the courier",
    "האפליקציה לא עובדת, ניסיתי לאפס וזה לא הסתדר", "לא משנה מה אני עושה, האפליקציה לא עובדת",
    "לא משנה אם אני מנסה עכשיו, לא עובד", "never mind the code, it doesn't work now", "עזוב את הקוד, אני לא יכול להתחבר עכשיו",
    "nevadí mi čekat, ale aplikace pořád nefunguje", "كل مرة انسى كلمة السر وما اقدر ادخل", "I can't sign up now",
    "the app doesn't work now, figured I'd let you know", "לא יכול להתחבר עכשיו, נותן שגיאה", "I can't log in now, I'm in a hurry",
    "האפליקציה לא עובדת, אבל האתר בסדר", "I can't log in, but my parcel arrived today",
])
def test_something_that_does_not_work_or_did_not_arrive(text):
    assert says_something_does_not_work(text)


@pytest.mark.parametrize("text", [
    # withdrawals: solved, or no longer needing help (what they negate is the need, not what should have happened)
    "it works now", "no, it's working now", "never mind i found it", "i don't need help anymore", "no longer needed",
    "זה עובד עכשיו", "לא צריך נציג", "לא רוצה לחכות", "כבר לא צריך עזרה",
    "اشتغل الحين", "ما ابي انتظر", "خلاص ما احتاج", "مش محتاج مساعدة خلاص", "ما عدت محتاج موظف",
    "už to funguje", "už nepotřebuju pomoc", "nechci už čekat",
    # a "no" answering the bot, then that it works; or what failed before, solved now
    "לא, עובד עכשיו", "لا، اشتغل الحين", "ne, funguje to už", "no, fixed",
    "it wasn't working but now it works, thanks", "never mind, it wasn't working before but it's fine now",
    "it didn't arrive yesterday but it arrived today", "לא הגיע אתמול אבל היום הגיע, תודה",
    "ما وصل امس بس وصل اليوم الحمد لله", "balík nedorazil včas, ale dnes už přišel, díky",
    "the link didn't work, but I received a new email, thanks", "I received it, thanks", "وصل الحمد لله",
    # not being able to wait is no failure; getting in since is a solution
    "I can't wait any longer", "ما اقدر انتظر اكثر", "לא יכול לחכות יותר", "nemůžu čekat", "הצלחתי, תודה",
    "I couldn't log in but now I can log in", "never mind, I can log in now", "قدرت ادخل الحين", "no, I could log in",
    "I couldn't log in but now I can, thanks", "couldn't log in, managed now", "I couldn't log in but it's sorted now",
    "לא הצלחתי להיכנס אבל עכשיו אני יכול, תודה", "ما قدرت ادخل بس الحين تمام", "nemůžu se přihlásit, ale teď už můžu",
    # a choice, or an inability to do something other than get in
    "never mind, don't sign me up", "never mind, I won't log in again", "never mind, I didn't enter my card details yet",
    "never mind, the bot couldn't help, I'll call", "never mind, you're not able to help", "לא הצלחתי לחכות יותר, לא צריך",
    "خلاص الحين كل ما ادخل يشتغل", "nevadí, stejně nemůžu dostat slevu, zrušte to",
    "I couldn't log in but now I'm in", "I couldn't log in, now I got in", "couldn't log in earlier, figured it out",
    "לא הצלחתי להתחבר אבל עכשיו התחברתי", "ما قدرت ادخل بس انحلت", "nemohl jsem se přihlásit, ale už jsem přihlášený",
    "never mind, I can't sign up today",
    # letting it go, whatever else is said
    "never mind, I can't access the site from work anyway", "don't bother, I can't access it from here, I'll call instead",
    "nevadí, teď se nemůžu přihlásit, zkusím to zítra",
    "לא הצלחתי להתחבר אבל עכשיו זה עבד", "ما قدرت ادخل بس الحين اشتغلت، شكرا", "I couldn't sign in but now it loads, thanks",
    "لا يمكنني الدخول في التفاصيل الحين، بعدين", "I couldn't log in but it's all good now", "לא הצלחתי להתחבר אבל עכשיו זה בסדר",
    "", None,
])
def test_a_withdrawal_says_nothing_does_not_work(text):
    assert not says_something_does_not_work(text)
