"""Accounts: users, passwords, sessions and API tokens."""
