"""The helpdesk: tickets, the agent queue, claiming, relaying messages and handing back to the bot.

Layers: ``tickets``/``accounts`` (service functions on a SQLAlchemy session) → the FastAPI routers
``api``, ``internal_api``, ``integrations_api`` and ``event_stream`` (mounted by :mod:`bot.web.app`).
The action server talks to it through :mod:`bot.helpdesk.client` or, for an external helpdesk,
:mod:`bot.helpdesk.backends`. Documentation: docs/helpdesk-api.md.
"""
