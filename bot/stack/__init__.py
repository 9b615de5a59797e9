"""Run the whole stack: train if needed, migrate, start Rasa + action server + helpdesk, supervise.

- :mod:`bot.stack.model`      — the training fingerprint and ``rasa train`` when it changed
- :mod:`bot.stack.supervisor` — one supervised process (:class:`Service`), the :class:`Supervisor` that
  restarts one that dies (:class:`RestartPolicy`), ports
- :mod:`bot.stack.assembly`   — the three services from the settings, :func:`start_stack`, :func:`run_helpdesk`
- :mod:`bot.stack.action_server` — the action server behind ``ACTION_SERVER_TOKEN``
- :mod:`bot.stack.cli`        — ``python -m bot run|train|migrate|action-server``

``make run`` calls :func:`bot.stack.cli.run_main`; the end-to-end tests use
:func:`bot.stack.assembly.start_stack` with free ports and a temporary ``var/`` so they exercise
exactly the same start-up path.
"""
