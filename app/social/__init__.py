"""Social graph: follows (likes, collects, comments and notifications arrive with notes)."""
