"""Customers' personal data: find it (locate), hand it over (export), erase it, and let it expire (retention).

``python -m bot customer export|erase|prune`` (bot/privacy/cli.py). What is stored where, and what
each command does, is in docs/privacy.md.
"""
