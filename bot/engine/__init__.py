"""Plug-ins that the Rasa server itself loads (engine env).

Imports only rasa, the standard library and two standard-library modules of ``bot`` (``bot.language``,
``bot.helpdesk.shown_lines``); reached through PYTHONPATH; nothing else in
``bot/`` imports this package.
"""
