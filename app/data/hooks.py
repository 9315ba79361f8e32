"""Work that must follow an import: later domains (search, trust) add their refresh here."""

from __future__ import annotations

from sqlalchemy.orm import Session


def after_import(session: Session) -> None:
    """Bring derived data (search index, trust scores) up to date. Nothing derived exists yet."""
