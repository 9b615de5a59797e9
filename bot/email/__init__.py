"""E-mail: a notification path (codes, receipts, agent replies, rating links) and a channel (replies)."""
