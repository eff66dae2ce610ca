"""12349 elderly care (issue 12): the elderly database, providers, orders, cards and emergencies."""
