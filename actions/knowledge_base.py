"""Answer questions from the knowledge base, ask whether it helped, try again or offer a person."""
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.services import in_session, in_thread, services
from actions.slots import only_changes
from bot.ces.store import kb_resolution_key, record_resolution, should_ask
from bot.ces.surveys import asked_this_session
from bot.engine.arbitration import announces_a_question, asks_for_help_only, says_help_me, says_yes
from bot.engine.feedback_words import opens_with_no, says_it_did_not_help, says_it_helped
from bot.engine.reactions import says_nothing
from bot.engine.typed_buttons import SHOW_ALL_STEPS
from bot.escalation.details import earlier_complaints
from bot.escalation.triggers import reason_for_a_person
from bot.kb.delivery import (
    ANSWER_STILL_OPEN,
    ASK_HELPED,
    GUIDE_CHOOSE,
    GUIDE_STEP,
    Reply,
    all_steps_replies,
    answer_replies,
    guide_choice,
    step_replies,
)
from bot.kb.query_log import mark_helped
from bot.kb.replies import (
    ANYTHING_ELSE,
    ASIDES,
    ASK_WHAT_ABOUT,
    DID_YOU_MEAN,
    GOODBYE,
    MISSES_BEFORE_OFFERING_A_PERSON,
    OFFER_A_PERSON,
    REPHRASE,
    WHAT_ELSE,
    YES_NO_OFFERS,
    abstention_response,
    after_a_miss,
    clarify_buttons,
    last_bot_response,
    offered_a_person_last,
)
from bot.kb.search import Article, Candidate, KnowledgeBase, SearchResult
from bot.language import in_language


def _escalate(reason: str, question: str) -> list[EventType]:
    return [SlotSet("next_step", "escalate"), SlotSet("escalation_reason", reason), SlotSet("kb_question", question)]


def _shown_article(knowledge_base: KnowledgeBase, candidate: Candidate | None) -> Article:
    """The article a search chose to show: it comes from the index that was searched, so it is there."""
    article = knowledge_base.article(candidate.article_id) if candidate is not None else None
    if article is None:
        raise LookupError(f"the search chose an article that its index does not have: {candidate}")
    return article


def _send(dispatcher: CollectingDispatcher, replies: list[Reply]) -> None:
    for reply in replies:
        dispatcher.utter_message(response=reply.response, **reply.fields)


def _utter_article(dispatcher: CollectingDispatcher, tracker: Tracker, article: Article) -> None:
    """The answer as its kind and the customer's channel want it (bot.kb.delivery)."""
    public_url = services().settings.public_helpdesk_url
    _send(dispatcher, answer_replies(article, tracker.get_latest_input_channel(), public_url))


def _log(tracker: Tracker, question: str, language: str, outcome: str, candidate: Candidate | None) -> str:
    """Record the lookup for the KB-gap report (written after the answer goes out); returns its key.
    ``candidate`` is the article shown (or the best one)."""
    return services().query_log.submit(
        conversation_id=tracker.sender_id,
        channel=tracker.get_latest_input_channel(), question=question, language=language,
        article_id=candidate.article_id if candidate is not None and outcome == "answer" else None,
        score=candidate.score if candidate is not None else None, outcome=outcome,
    )


async def _mark_helped(tracker: Tracker, helped: bool) -> None:
    """The customer's answer to "did it help?" on the lookup the ``kb_query_id`` slot names, if any."""
    query_key = tracker.get_slot("kb_query_id")
    if query_key:
        await in_thread(services().query_log.flush)  # the lookup may still be on its way to the database
        await in_session(mark_helped, query_key=query_key, helped=helped)


def _answered(article: Article, query_id: str, tried: list[str]) -> list[EventType]:
    """The answer's slots; a guide's also let "Next step" find it (no step shown yet)."""
    return [
        SlotSet("kb_article_id", article.id), SlotSet("kb_query_id", query_id),
        SlotSet("kb_tried", tried + [article.id]), SlotSet("awaiting_feedback", True),
        SlotSet("guide_article_id", article.id if article.kind == "guide" else None), SlotSet("guide_step", 0),
    ]


class ActionAnswerQuestion(Action):
    """Search the KB for the customer's message: answer, ask "did you mean", or admit not knowing."""

    def name(self) -> str:
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        return only_changes(tracker, await self._answer(dispatcher, tracker))

    async def _answer(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        question = tracker.latest_message.get("text") or ""
        language = tracker.get_slot("language") or "en"
        reason = await _reason_for_a_person(question, tracker)
        if reason is not None:
            return _escalate(reason, question)
        if asks_for_help_only(question) or says_it_did_not_help(question) or says_nothing(question):
            return await _help_without_a_topic(dispatcher, tracker, question)

        knowledge_base, result = await _search(question, language)
        events = _looked_up(question)
        rejected = knowledge_base.with_translations(_rejected_articles(tracker, question))
        if _offers_only(result, rejected):
            # "no, both amounts were taken from my card": only the article just shown, which did not help.
            await _mark_helped(tracker, helped=False)
            return events + await _after_a_miss(dispatcher, tracker, question, language, (knowledge_base, result))
        if result.decision == "answer":
            return events + _answer(dispatcher, tracker, knowledge_base, result, question, language)
        if result.decision == "clarify":
            query_id = _log(tracker, question, language, "clarify", result.top)
            options = [option for option in result.clarify_options if option.article_id not in rejected]
            dispatcher.utter_message(response=DID_YOU_MEAN, buttons=clarify_buttons(options, language))
            # The query id lets "None of these" mark this clarification as a miss in the query log.
            return events + [SlotSet("awaiting_feedback", False), SlotSet("kb_query_id", query_id)]
        _log(tracker, question, language, "abstain", result.top)
        response = abstention_response(result.coverage)
        if response is not None:  # not a gap in our KB, so not a miss that leads to offering a person
            dispatcher.utter_message(response=response, other_company=result.other_company)
            return events + [SlotSet("awaiting_feedback", False)]
        # Unless it goes on from one turned down, a question the KB does not cover owes nothing to earlier articles.
        tried = _tried_in_this_run(tracker)
        return events + _missed(dispatcher, tracker, "utter_kb_no_article") + [SlotSet("kb_tried", tried)]


async def answer_if_known(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType] | None:
    """The KB's answer to a message NLU read as something else, when the KB is sure of one: "withdraw
    cookie consent" reads like "withdraw my request" but is a question. None (nothing said, nothing
    logged) unless the answer overrules the intent (:attr:`SearchResult.overrules_intent`).

    A message on a topic a person always handles, or from a frustrated customer, gets the offer of a
    person instead, whatever the KB knows: "na vrácení peněz čekám už tři týdny, to je nepřijatelné"
    reads like withdrawing ("vrácení") and got "Glad it's sorted!" until 4 December. "Yes" then
    escalates with that reason (:class:`ActionKbFeedback`)."""
    question = tracker.latest_message.get("text") or ""
    language = tracker.get_slot("language") or "en"
    reason = await _reason_for_a_person(question, tracker)
    if reason is not None:
        dispatcher.utter_message(response="utter_offer_human_instead")
        return only_changes(tracker, _looked_up(question) + [
            SlotSet("escalation_reason", reason), SlotSet("awaiting_feedback", False)])
    knowledge_base, result = await _search(question, language)
    if not result.overrules_intent:
        return None
    return only_changes(tracker, _looked_up(question) + _answer(dispatcher, tracker, knowledge_base, result, question, language))


async def _reason_for_a_person(question: str, tracker: Tracker) -> str | None:
    """Why a person, not the KB, should answer the question (:func:`reason_for_a_person`), in a thread: the
    always-human topics' file is read again when it changes."""
    return await in_thread(reason_for_a_person, question, earlier_complaints(tracker.events),
                           services().settings.always_human_topics)


async def _search(question: str, language: str) -> tuple[KnowledgeBase, SearchResult]:
    """The current KB index and what it decides for the question, in one thread hop (each costs about 0.2 ms)."""
    return await in_thread(services().knowledge_base.search, question, language)


def _looked_up(question: str) -> list[EventType]:
    """The slots of every KB lookup, whatever it decides: no pending next step, and the question asked."""
    return [SlotSet("next_step", None), SlotSet("kb_question", question)]


def _answer(dispatcher: CollectingDispatcher, tracker: Tracker, knowledge_base: KnowledgeBase, result: SearchResult,
            question: str, language: str) -> list[EventType]:
    """Show the article a search decided to answer with, and log the lookup; the answer's slots."""
    article = _shown_article(knowledge_base, result.top)
    query_id = _log(tracker, question, language, "answer", result.top)
    if result.article_language:
        dispatcher.utter_message(
            response="utter_kb_article_in_other_language",
            in_article_language=in_language(result.article_language, language),
        )
    _utter_article(dispatcher, tracker, article)
    return _answered(article, query_id, _tried_in_this_run(tracker))


def _tried_in_this_run(tracker: Tracker) -> list[str]:
    """The articles tried since the customer first turned one down, which an answer to their rephrasing or to a
    follow-up keeps (a later follow-up that finds one is a miss); none for a new question."""
    said_last = last_bot_response(tracker.events, this_session=True)
    in_a_run = said_last == REPHRASE or said_last in ANSWER_STILL_OPEN
    return list(tracker.get_slot("kb_tried") or []) if in_a_run and int(tracker.get_slot("kb_misses") or 0) > 0 else []


def _missed(dispatcher: CollectingDispatcher, tracker: Tracker, first_response: str) -> list[EventType]:
    """A miss (no article, "None of these" or "no"): ``first_response``, or after two in a row the offer of a person."""
    misses, response = after_a_miss(int(tracker.get_slot("kb_misses") or 0), first_response)
    dispatcher.utter_message(response=response)
    events: list[EventType] = [SlotSet("kb_misses", misses), SlotSet("awaiting_feedback", False)]
    if response == OFFER_A_PERSON:
        return events + [SlotSet("escalation_reason", "kb_missed_twice")]
    return events


class ActionRejectSuggestions(Action):
    """The customer pressed "None of these" under "Did you mean …?": a miss, logged for the KB-gap report."""

    def name(self) -> str:
        return "action_reject_suggestions"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        return await _none_of_these(dispatcher, tracker)


async def _none_of_these(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    await _mark_helped(tracker, helped=False)
    return _missed(dispatcher, tracker, REPHRASE)


class ActionShowArticle(Action):
    """The customer picked an article from a "did you mean" list."""

    def name(self) -> str:
        return "action_show_article"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        svc = services()
        article_id = next(tracker.get_latest_entity_values("article_id"), None)
        knowledge_base = await in_thread(svc.knowledge_base.current)
        article = knowledge_base.article(article_id) if article_id else None
        if article is None:
            dispatcher.utter_message(response=REPHRASE)
            return [SlotSet("awaiting_feedback", False)]
        question = tracker.get_slot("kb_question") or article.title
        query_id = svc.query_log.submit(
            conversation_id=tracker.sender_id, channel=tracker.get_latest_input_channel(),
            question=question, language=tracker.get_slot("language") or article.language,
            article_id=article.id, score=None, outcome="answer",
        )
        _utter_article(dispatcher, tracker, article)
        return only_changes(tracker, _answered(article, query_id, list(tracker.get_slot("kb_tried") or [])))


class ActionKbFeedback(Action):
    """Yes / no from the customer: after "anything else?" (no is goodbye), after an answer, after "Did you
    mean …?" (no is "None of these"), after an offer of a person, or out of context."""

    def name(self) -> str:
        return "action_kb_feedback"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        return only_changes(tracker, await self._feedback(dispatcher, tracker))

    async def _feedback(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        asked = last_bot_response(tracker.events)
        # A thank-you alone right under "Did that answer your question?" is a yes (ThanksForAnAnswerPolicy).
        intent = tracker.get_intent_of_latest_message()
        said_yes = intent == "affirm" or (intent == "thank" and asked == ASK_HELPED)
        text = tracker.latest_message.get("text")
        if asked in ANYTHING_ELSE:  # "Is there anything else I can help with?": a "👍" or "🙏" there is thanks, bye
            dispatcher.utter_message(response=WHAT_ELSE if said_yes and not says_nothing(text) else GOODBYE)
            return [SlotSet("awaiting_feedback", False), SlotSet("next_step", None)]
        # "All at once, or step by step?": yes is "show me", unless it says the answer was enough; after a step
        # that is not the last, "ok" or "got it" is "go on" (not "that helped" at step 2 of 5). Not a guide of
        # yesterday's session.
        in_guide = last_bot_response(tracker.events, this_session=True)
        if said_yes and in_guide in (GUIDE_CHOOSE, GUIDE_STEP) \
                and not says_it_helped(text, understood_is_enough=in_guide == GUIDE_CHOOSE):
            shown = await _guide_step(dispatcher, tracker, show_all=in_guide == GUIDE_CHOOSE)
            return [*shown, SlotSet("next_step", None)]
        if tracker.get_slot("awaiting_feedback"):
            if said_yes:
                return await self._helped(dispatcher, tracker)
            return await _did_not_help(dispatcher, tracker)
        if not said_yes and asked == DID_YOU_MEAN:
            return await _none_of_these(dispatcher, tracker)  # "no" to "Did you mean …?"
        if not said_yes and asked == REPHRASE:  # "no" to "Could you describe it in other words?": it cannot
            return _missed(dispatcher, tracker, REPHRASE)
        if offered_a_person_last(tracker.events) and tracker.get_slot("escalation_reason"):  # a person was offered
            # After an aside ("Sure, I'll continue in Hebrew"), "סבבה" acknowledges the aside: only a yes takes it up.
            if said_yes and (asked not in ASIDES or says_yes(text)):
                return [SlotSet("next_step", "escalate")]
            dispatcher.utter_message(response="utter_anything_else")
            return [SlotSet("next_step", None), SlotSet("escalation_reason", None), SlotSet("kb_misses", 0)]
        # "ساعدني" (help me), or a "👍" or "😡" that answers nothing: what is it about?
        if (said_yes and (says_help_me(text) or asks_for_help_only(text))) or says_nothing(text):
            return await _help_without_a_topic(dispatcher, tracker, text or "")
        dispatcher.utter_message(response="utter_anything_else")
        # An offer of a person let pass earlier is no longer open: a yes now takes up nothing.
        return [SlotSet("next_step", None), SlotSet("escalation_reason", None)]

    async def _helped(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        svc = services()
        await _mark_helped(tracker, helped=True)
        resolution_id = await in_session(
            record_resolution, resolution_key=kb_resolution_key(tracker.sender_id, tracker.get_slot("kb_query_id")),
            conversation_id=tracker.sender_id, resolved_by="bot", article_id=tracker.get_slot("kb_article_id"),
            channel=tracker.get_latest_input_channel(), language=tracker.get_slot("language") or "en",
        )
        dispatcher.utter_message(response="utter_glad_it_helped")
        events: list[EventType] = [
            SlotSet("awaiting_feedback", False), SlotSet("kb_misses", 0), SlotSet("kb_tried", []),
            SlotSet("resolution_id", str(resolution_id)),
        ]
        if not asked_this_session(tracker.events) and await in_session(
            should_ask, settings=svc.settings, resolved_by="bot", conversation_id=tracker.sender_id
        ):
            return events + [SlotSet("next_step", "ask_effort")]
        dispatcher.utter_message(response="utter_anything_else")
        return events + [SlotSet("next_step", None)]


async def _did_not_help(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """A no to "Did that answer your question?": the article is a miss; the next best for the question, or more."""
    await _mark_helped(tracker, helped=False)
    question = tracker.get_slot("kb_question") or ""
    language = tracker.get_slot("language") or "en"
    return [SlotSet("next_step", None)] + await _after_a_miss(dispatcher, tracker, question, language)


async def _help_without_a_topic(dispatcher: CollectingDispatcher, tracker: Tracker, question: str) -> list[EventType]:
    """A request for help that says nothing of what about ("help", "I have a problem"), a message that only says
    the answer did not work ("still not working"), or one without a word ("??", "😡" with nothing open): nothing
    to look up.

    Right after "Did that answer your question?" it is a no ("I need more help", "mám ještě problém"), unless it
    announces another question ("one more question"); "still not working" is a no to a guide's steps too, to
    "Did you mean …?" ("None of these") and to "describe it in other words". A message without a word under an
    open offer (a person, a code) answers neither yes nor no: the offer is made again; in the middle of a guide,
    its last message ("all at once or step by step?", or the step shown) comes again. While a person is
    offered, anything else here is a yes ("help me"); right after "What do you need help with?" it offers a person rather than asking again;
    else it asks that. Not a miss of the knowledge base when it asks: no query is logged, and the misses that
    lead to a person are left as they were.
    """
    asked = last_bot_response(tracker.events, this_session=True)
    if asked == ASK_HELPED and not announces_a_question(question):
        return await _did_not_help(dispatcher, tracker)
    if says_it_did_not_help(question):  # "still not working": a no to whatever the bot just tried
        if asked in ANSWER_STILL_OPEN:
            return await _did_not_help(dispatcher, tracker)
        if asked == DID_YOU_MEAN:
            return await _none_of_these(dispatcher, tracker)
        if asked == REPHRASE:
            return _missed(dispatcher, tracker, REPHRASE)
    if says_nothing(question):
        offered = last_bot_response(tracker.events, this_session=True, skipping=ASIDES)
        if offered in YES_NO_OFFERS:
            # "??" under "Shall I send a code?" or "Would you like a person?" is neither yes nor no: ask again.
            dispatcher.utter_message(response=offered)
            return []
        if asked in (GUIDE_CHOOSE, GUIDE_STEP):  # mid-guide: the guide's last message again, its buttons open
            return await _guide_again(dispatcher, tracker, asked)
    if offered_a_person_last(tracker.events) and tracker.get_slot("escalation_reason"):
        return [SlotSet("next_step", "escalate")]
    events: list[EventType] = [SlotSet("next_step", None), SlotSet("awaiting_feedback", False)]
    if asked == ASK_WHAT_ABOUT:
        dispatcher.utter_message(response=OFFER_A_PERSON)
        # "The bot did not understand the customer": no question reached the knowledge base, so no KB gap.
        return events + [SlotSet("escalation_reason", "fallback")]
    dispatcher.utter_message(response=ASK_WHAT_ABOUT)
    return events


def _rejected_articles(tracker: Tracker, question: str) -> frozenset[str]:
    """The articles the customer said did not help, which a search for ``question`` should not offer again.

    While a "did that help?" is open, a message that opens with "no" rejects the articles shown; one that
    does not ("and can I pay with paypal?") is a follow-up, which the article just shown may well answer, but
    not one the customer already said no to in this run of misses ("no" to the late-parcel article, then the
    next best, then "still hasn't arrived, it's been two weeks" got the late-parcel article again). After
    "can you describe it in other words?" (a miss), the articles of that miss stay rejected: a rephrased
    question that finds only them has missed again, and the same article again would be a wall.
    """
    tried = tracker.get_slot("kb_tried") or []
    missed = int(tracker.get_slot("kb_misses") or 0) > 0
    if tracker.get_slot("awaiting_feedback"):
        if opens_with_no(question):
            return frozenset(tried)
        # Not after "You're welcome! Anything else?", nor in a new session: the customer has moved on.
        still_open = last_bot_response(tracker.events, this_session=True) in ANSWER_STILL_OPEN
        return frozenset(tried[:-1]) if missed and still_open else frozenset()
    asked_to_rephrase = last_bot_response(tracker.events, this_session=True) == REPHRASE
    return frozenset(tried) if asked_to_rephrase and missed else frozenset()


def _offers_only(result: SearchResult, articles: frozenset[str]) -> bool:
    """Whether the search's answer, or every article of its "Did you mean", is among ``articles``."""
    if result.decision == "answer":
        return result.top is not None and result.top.article_id in articles
    return result.decision == "clarify" and all(option.article_id in articles for option in result.clarify_options)


async def _after_a_miss(dispatcher: CollectingDispatcher, tracker: Tracker, question: str, language: str,
                        searched: tuple[KnowledgeBase, SearchResult] | None = None) -> list[EventType]:
    """After an article did not help: the next best one for ``question`` not yet shown (from ``searched``, its
    search when already made), else "please rephrase"; after two misses in a row, the offer of a person."""
    misses = int(tracker.get_slot("kb_misses") or 0) + 1
    if misses >= MISSES_BEFORE_OFFERING_A_PERSON or not question:
        return _missed(dispatcher, tracker, REPHRASE)
    knowledge_base, result = searched or await _search(question, language)
    tried = list(tracker.get_slot("kb_tried") or [])
    runner_up = result.next_best(knowledge_base.with_translations(tried))
    if runner_up is None:
        dispatcher.utter_message(response=REPHRASE)
        return [SlotSet("kb_misses", misses), SlotSet("awaiting_feedback", False)]
    article = _shown_article(knowledge_base, runner_up)
    query_id = _log(tracker, question, language, "answer", runner_up)
    dispatcher.utter_message(response="utter_kb_try_next")
    _utter_article(dispatcher, tracker, article)
    return [SlotSet("kb_misses", misses)] + _answered(article, query_id, tried)


class ActionGuideStep(Action):
    """The "Show all steps", "Step by step" or "Next step" buttons for the guide last answered, pressed or typed
    in any of the four languages (NLU gives the typed words the button's intent: bot.engine.typed_buttons);
    the "Did that answer your question?" that follows is the usual KB feedback."""

    def name(self) -> str:
        return "action_guide_step"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        return await _guide_step(dispatcher, tracker, show_all=tracker.get_intent_of_latest_message() == SHOW_ALL_STEPS)


async def _open_guide(dispatcher: CollectingDispatcher, tracker: Tracker) -> tuple[Article | None, list[EventType]]:
    """The guide the conversation is in; else None, having said so, with the events that close it."""
    article_id = tracker.get_slot("guide_article_id")
    if not article_id:
        dispatcher.utter_message(response="utter_guide_not_open")
        return None, []
    knowledge_base = await in_thread(services().knowledge_base.current)
    article = knowledge_base.article(article_id)
    if article is None or not article.steps:  # removed or rewritten since it was sent
        dispatcher.utter_message(response="utter_guide_unavailable")
        return None, [SlotSet("guide_article_id", None), SlotSet("guide_step", 0)]
    return article, []


async def _guide_again(dispatcher: CollectingDispatcher, tracker: Tracker, said_last: str) -> list[EventType]:
    """The guide's question ("all at once or step by step?") or the step shown last, once more."""
    article, closed = await _open_guide(dispatcher, tracker)
    if article is None:
        return closed
    shown = int(tracker.get_slot("guide_step") or 0)
    _send(dispatcher, [guide_choice(article)] if said_last == GUIDE_CHOOSE or not shown else step_replies(article, shown))
    return []


async def _guide_step(dispatcher: CollectingDispatcher, tracker: Tracker, show_all: bool) -> list[EventType]:
    """All the open guide's steps, or its next one; a clear message when no guide is open or it changed."""
    svc = services()
    article, closed = await _open_guide(dispatcher, tracker)
    if article is None:
        return closed
    if show_all:
        _send(dispatcher, all_steps_replies(article, svc.settings.public_helpdesk_url))
        return [SlotSet("guide_step", len(article.steps))]
    number = int(tracker.get_slot("guide_step") or 0) + 1
    _send(dispatcher, step_replies(article, number))
    return [SlotSet("guide_step", min(number, len(article.steps)))]
