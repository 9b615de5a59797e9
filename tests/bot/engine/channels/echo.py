"""What the harness's echo bot (``harness_server.py``) does besides echoing, for the tests to use:
standard library only, since both the engine env (the server) and the app env (the tests) import it."""

OFFER_TEXT = "offer a button"
"""The bot answers this text with one button, whose payload carries an entity."""
OFFERED_PAYLOAD = '/rate_effort{"score": 6}'
