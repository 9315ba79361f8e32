"""Background jobs: RQ on Redis when REDIS_URL is set, threads of this process when it is not
(or while Redis is down). See ``queue`` for the model and README "Background jobs"."""

from __future__ import annotations

import importlib
import importlib.util
import pkgutil

from flask import Flask

from app.jobs.queue import PERIODIC, TASKS, enqueue, every, periodic, register, wait_idle

__all__ = ["PERIODIC", "TASKS", "enqueue", "every", "init_app", "load_tasks", "periodic", "register", "wait_idle"]


def load_tasks() -> None:
    """Import the modules that register tasks: ours (``app.jobs.tasks``) and every domain's
    ``app/<domain>/jobs.py``, so a domain adds periodic work without touching this package."""
    import app

    importlib.import_module("app.jobs.tasks")
    for module in sorted(pkgutil.iter_modules(app.__path__), key=lambda m: m.name):
        if module.ispkg and module.name != "jobs" and importlib.util.find_spec(f"app.{module.name}.jobs"):
            importlib.import_module(f"app.{module.name}.jobs")


def init_app(app: Flask) -> None:
    from app.jobs.queue import flush_request_jobs, start_web_scheduler, state_for

    load_tasks()
    state_for(app)
    app.teardown_request(flush_request_jobs)
    if app.config.get("JOBS_IN_PROCESS_SCHEDULER") and not app.config.get("REDIS_URL"):
        app.before_request(lambda: start_web_scheduler(app))
