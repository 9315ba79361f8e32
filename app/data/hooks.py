"""Work that must follow an import: derived data (the search index, trust scores) is brought
up to date here."""

from __future__ import annotations

from sqlalchemy.orm import Session


def after_import(session: Session) -> None:
    """An import can touch thousands of rows: rebuild the index rather than queue each one."""
    from app.search import outbox
    from app.trust import service as trust

    outbox.reindex(session)
    trust.recompute(session)
