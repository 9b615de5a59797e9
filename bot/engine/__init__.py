"""Plug-ins that the Rasa server itself loads (engine env).

Imports only rasa and the standard library; reached through PYTHONPATH; nothing else in
``bot/`` imports this package.
"""
