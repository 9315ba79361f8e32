"""Feeds: Home (people you follow) and Discover (everyone)."""
