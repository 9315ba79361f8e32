"""Readiness checks: can this process serve? Plain inputs (an engine, a directory), plain results."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.engine import Engine

from app.search.index import KINDS, SearchIndex

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Check:
    ok: bool
    ms: float
    error: str | None = None  # the exception's class only: the probe is public, details go to the log

    def as_dict(self) -> dict:
        body = {"ok": self.ok, "ms": self.ms}
        if self.error:
            body["error"] = self.error
        return body


def _timed(name: str, probe) -> Check:
    started = time.perf_counter()
    try:
        probe()
    except Exception as error:  # any failure means not ready, never a 500
        first_line = next(iter(str(error).splitlines()), "")[:300]
        log.warning("readiness check %s failed: %s: %s", name, type(error).__name__, first_line)
        return Check(False, _ms_since(started), type(error).__name__)
    return Check(True, _ms_since(started))


def _ms_since(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def check_database(engine: Engine) -> Check:
    """A fresh round trip on a pooled connection (the pool pre-pings on PostgreSQL)."""

    def probe():
        with engine.connect() as connection:
            connection.execute(text("SELECT 1")).scalar_one()

    return _timed("database", probe)


def check_search_index(root: str) -> Check:
    """Each kind's index in the current generation opens and reads. A deployment without an index
    yet gets an empty one, as its first search would."""

    def probe():
        index = SearchIndex(root)
        for kind in KINDS:
            index.doc_count(kind)

    return _timed("search_index", probe)


def readiness(engine: Engine, search_index_dir: str) -> dict[str, Check]:
    return {"database": check_database(engine), "search_index": check_search_index(search_index_dir)}
