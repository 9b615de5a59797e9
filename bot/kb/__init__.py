"""Knowledge base: articles in ``data/kb/`` (Markdown + YAML front matter), their search index,
the answer / clarify / abstain decision, hot reload and the query log.

Entry points: :mod:`bot.kb.loader` (files → articles), :mod:`bot.kb.search` (articles → index →
decision), :mod:`bot.kb.store` (the process-wide, hot-reloading holder the action server uses),
:mod:`bot.kb.query_log` (KB-gap raw data), :mod:`bot.kb.cli` and :mod:`bot.kb.bench` (commands).
"""
