"""Effortless: a customer-support assistant built on Rasa."""
