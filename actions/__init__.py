"""Rasa custom actions: read slots, call ``bot.*``, utter, return events. No logic lives here."""
