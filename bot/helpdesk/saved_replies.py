"""What agents insert into replies: saved replies and links to KB articles."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.helpdesk.accounts import MAX_DB_ID
from bot.helpdesk.errors import NotFound
from bot.helpdesk.schemas import KbArticleOut
from bot.helpdesk.text import clean_text, one_line
from bot.kb.delivery import article_link
from bot.kb.loader import scan_articles
from bot.models import SavedReply


def saved_replies(session: Session) -> list[SavedReply]:
    return list(session.scalars(select(SavedReply).order_by(SavedReply.title, SavedReply.id)))


def add_saved_reply(session: Session, *, title: str, body: str) -> SavedReply:
    saved = SavedReply(title=one_line(title, 200), body=clean_text(body))
    session.add(saved)
    session.commit()
    return saved


def delete_saved_reply(session: Session, *, reply_id: int) -> None:
    saved = session.get(SavedReply, reply_id) if 0 < reply_id <= MAX_DB_ID else None
    if saved is None:
        raise NotFound(f"saved reply {reply_id} not found")
    session.delete(saved)
    session.commit()


def find_articles(
    kb_dir: Path, query: str, language: str | None, limit: int, public_helpdesk_url: str
) -> list[KbArticleOut]:
    """Articles whose title, id or tags contain every word of ``query``, by title.

    Each one's ``url`` is the link the bot sends customers (bot.kb.delivery.article_link): its own
    ``url``, else its page in the help centre under ``public_helpdesk_url``.

    Files with problems are skipped here (``python -m bot kb check`` reports them), so one bad file
    never hides the rest from agents.
    """
    words = query.lower().split()
    found = []
    for article in scan_articles(kb_dir).articles:
        if language and article.language != language.lower():
            continue
        haystack = " ".join((article.id, article.title, *article.tags)).lower()
        if all(word in haystack for word in words):
            found.append(article)
    found.sort(key=lambda article: (article.title.lower(), article.id))
    return [
        KbArticleOut(
            id=a.id,
            title=a.title,
            language=a.language,
            url=article_link(a, public_helpdesk_url),
            summary=a.chat_answer(200),
        )
        for a in found[:limit]
    ]
