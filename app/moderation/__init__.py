"""Moderation: reports, hiding content, suspending accounts."""
