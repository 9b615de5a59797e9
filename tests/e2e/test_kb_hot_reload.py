"""Editing the knowledge base while the stack runs: no retraining, no restart, nothing dropped."""
import time

ARTICLE = """---
id: gift-wrapping
title: Gift wrapping
language: en
url: https://help.acme.example/articles/gift-wrapping
questions:
  - can you gift wrap my order
  - do you offer gift wrapping
  - is gift wrapping available
  - gift wrap option
  - wrap it as a present
  - can i add a gift message
  - how much is gift wrapping
  - gift box for my order
---
Yes: choose "Gift wrap" at checkout for 3 EUR per item, and add a free gift message.
"""


def bot_texts(replies):
    return " ".join(reply.get("text", "") for reply in replies)


def ask_until(stack, sender, question, expected, timeout_s=180.0):
    """Ask until the reply contains ``expected``: the action server rebuilds in the background (an index
    with embeddings takes 15-60 s on a busy 2-core machine) and answers from the previous index meanwhile."""
    deadline = time.monotonic() + timeout_s
    while True:
        texts = bot_texts(stack.say(sender, question))
        if expected in texts or time.monotonic() > deadline:
            return texts
        time.sleep(1)


def test_a_new_article_is_served_without_a_restart_and_a_broken_edit_keeps_the_old_index(stack, sender):
    kb_dir = stack.running.settings.kb_dir
    (kb_dir / "en" / "gift-wrapping.md").write_text(ARTICLE, encoding="utf-8")

    assert "3 EUR per item" in ask_until(stack, sender, "do you offer gift wrapping", "3 EUR per item")

    (kb_dir / "en" / "gift-wrapping.md").write_text("---\nid: [broken\n---\nno front matter end", encoding="utf-8")
    time.sleep(3)  # longer than the store's check interval, so the broken edit has been seen
    assert "3 EUR per item" in bot_texts(stack.say(sender, "can you gift wrap my order"))
    log_file = stack.running.settings.log_dir / "actions.log"
    deadline = time.monotonic() + 30  # the reload that finds the broken file runs in the background
    while "gift-wrapping.md" not in log_file.read_text() and time.monotonic() < deadline:
        time.sleep(0.5)
    assert "gift-wrapping.md" in log_file.read_text(), "the broken file is reported by name"
