"""The helpdesk: tickets, the agent queue, claiming, relaying messages and handing back to the bot.

Layers: ``tickets``/``accounts`` (service functions on a SQLAlchemy session) → ``routes`` (FastAPI,
mounted by :mod:`bot.web.app`). The action server talks to it through :mod:`bot.helpdesk.client`
or, for an external helpdesk, :mod:`bot.helpdesk.backends`.
"""
