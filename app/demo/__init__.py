"""Deterministic demo world: writes a community in the portable JSON Lines format.

``world.generate_world`` builds users, follows, notes, engagement and (optionally) commerce
from a seed and writes ``data.jsonl`` plus images, so that ``flask demo load`` can import
it with the ordinary importer. ``content`` holds the hand-written vocabulary it draws on.
"""
