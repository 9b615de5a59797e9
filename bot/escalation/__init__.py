"""When and how a conversation goes to a person: triggers, customer details, transcript, wording."""
