"""The three real processes answer through Rasa's REST channel, and their logs are in order."""
import re

import requests

LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (DEBUG|INFO|WARNING|ERROR|CRITICAL) \S+: ")


def texts(replies):
    return [reply.get("text", "") for reply in replies]


def test_small_talk_is_answered_by_rules(stack, sender):
    replies = stack.say(sender, "hello")
    assert any("support assistant" in text for text in texts(replies))


def test_a_question_is_answered_by_the_custom_action_from_the_knowledge_base(stack, sender):
    stack.say(sender, "how do I reset my password")  # a guide: "show all steps" or "step by step" first
    replies = stack.say(sender, "/show_all_steps")
    assert "Did that answer your question?" in texts(replies)
    assert any("password" in text.lower() for text in texts(replies)[:-1])
    buttons = [b["payload"] for reply in replies for b in reply.get("buttons", [])]
    assert buttons == ["/affirm", "/deny"]


def test_a_question_about_another_companys_product_is_not_answered_from_the_kb(stack, sender):
    replies = texts(stack.say(sender, "my fedex parcel is late"))
    assert any("question about FedEx" in text and "Acme" in text for text in replies), replies
    assert "Did that answer your question?" not in replies


def test_the_customers_language_is_followed(stack, sender):
    replies = stack.say(sender, "שלום")
    assert any("שלום" in text for text in texts(replies))


def test_every_process_has_health_and_its_own_log_file_in_one_format(stack):
    assert requests.get(f"{stack.helpdesk_url}/health", timeout=5).json()["status"] == "ok"
    log_dir = stack.running.settings.log_dir
    for name in ("rasa", "actions", "helpdesk"):
        lines = [line for line in (log_dir / f"{name}.log").read_text().splitlines() if line.strip()]
        formatted = [line for line in lines if LOG_LINE.match(line)]
        assert formatted, f"{name}.log has no lines in the common format"


def test_no_secret_reaches_a_log_file(stack, sender):
    stack.tracker(sender)  # a request that carries the Rasa token in its URL
    log_dir = stack.running.settings.log_dir
    for log_file in log_dir.glob("*.log"):
        content = log_file.read_text()
        for secret in (stack.rasa_token, stack.service_token):
            assert secret not in content, f"a secret leaked into {log_file.name}"


def test_the_http_api_requires_the_token(stack, sender):
    response = requests.get(f"{stack.rasa_url}/conversations/{sender}/tracker", timeout=5)
    assert response.status_code == 401
