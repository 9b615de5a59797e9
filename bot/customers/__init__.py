"""Customers: people, not conversations. Identities, conversations and tickets belong to one."""
