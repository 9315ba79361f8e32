"""``flask jobs …``: the RQ worker with its periodic scheduler, and running jobs by hand."""

from __future__ import annotations

import importlib
import logging
import sys
import time

import click
from flask import current_app
from flask.cli import AppGroup

from app.jobs import queue

log = logging.getLogger(__name__)
PRELOAD = ("app.trust.service", "app.feed.service", "app.search.outbox", "app.orders.service", "app.media.images")


@click.group("jobs", cls=AppGroup, help="Background jobs (RQ on REDIS_URL, or in-process).")
def jobs_group():
    pass


@jobs_group.command("worker")
@click.option("--burst", is_flag=True, help="Run what is queued, then exit (no scheduler).")
@click.option("--simple", is_flag=True, help="Run jobs in this process instead of a forked child per job.")
@click.option("--no-scheduler", is_flag=True, help="Do not enqueue periodic jobs from this worker.")
def jobs_worker(burst: bool, simple: bool, no_scheduler: bool):
    """Run an RQ worker on JOBS_QUEUE, plus a scheduler enqueueing the periodic jobs (one
    scheduler across all workers enqueues each run). Survives Redis restarts: while Redis is
    down, periodic jobs run in this process and the worker reconnects with backoff."""
    import redis
    from rq import SimpleWorker, Worker

    app = current_app._get_current_object()
    url = app.config.get("REDIS_URL")
    if not url:
        click.echo("REDIS_URL is not set: jobs run inside the web processes; there is nothing for a worker to do.",
                   err=True)
        sys.exit(1)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    queue.set_worker_app(app)
    # Each job runs in a child forked from here: import what the tasks use once, not in every child.
    for module in PRELOAD:
        importlib.import_module(module)
    scheduler = None if burst or no_scheduler else queue.InProcessScheduler(app, use_redis=True).start()
    worker_class = SimpleWorker if simple else Worker
    # No socket timeout: the worker blocks on BLPOP for minutes; a dead server still fails fast.
    connection = redis.Redis.from_url(url, socket_connect_timeout=app.config["REDIS_SOCKET_TIMEOUT"] * 4,
                                      health_check_interval=30)
    backoff = 1.0
    try:
        while True:
            try:
                rq_queue = queue.rq_queue(app, connection)
                worker = worker_class([rq_queue], connection=connection, serializer=rq_queue.serializer)
                worker.work(burst=burst)
                # SIGTERM/SIGINT: RQ's handlers record the request (private attributes, no API).
                if burst or worker._stop_requested or worker._shutdown_requested_date is not None:
                    break
            except queue.REDIS_ERRORS as error:
                if burst:
                    raise
                log.warning("Redis unreachable (%s); retrying in %.0f s", error, backoff)
            else:
                backoff = 1.0
            time.sleep(backoff)
            backoff = min(backoff * 2, 30.0)
    finally:
        if scheduler is not None:
            scheduler.stop()
        queue.wait_idle(app, timeout=60)


def _require(name: str, known, what: str) -> None:
    """Exit 1 with the names there are when NAME is not one of them."""
    if name not in known:
        click.echo(f"No {what} named {name!r}; there are: {', '.join(sorted(known))}.", err=True)
        sys.exit(1)


@jobs_group.command("run-periodic")
@click.argument("name")
def jobs_run_periodic(name: str):
    """Run the periodic job NAME now, in this process (for cron or by hand)."""
    _require(name, queue.PERIODIC, "periodic job")
    started = time.perf_counter()
    queue.TASKS[name].function()
    click.echo(f"{name} done in {time.perf_counter() - started:.2f} s.")


@jobs_group.command("enqueue")
@click.argument("name")
def jobs_enqueue(name: str):
    """Queue the task NAME (no arguments) for a worker, or run it here when Redis is absent."""
    _require(name, queue.TASKS, "task")
    app = current_app._get_current_object()
    where = queue.dispatch(app, name, (), name)
    if where == "in-process":
        queue.wait_idle(app, timeout=24 * 3600)
    click.echo(f"{name}: {'queued on Redis' if where == 'redis' else 'ran in this process'}.")


@jobs_group.command("list")
def jobs_list():
    """List the tasks and how often the periodic ones run."""
    app = current_app._get_current_object()
    for name in sorted(queue.TASKS):
        job = queue.PERIODIC.get(name)
        schedule = f"every {job.interval(app):.0f} s" if job else "on demand"
        if job and job.when and not app.config.get(job.when):
            schedule += f" (off: {job.when} is false)"
        click.echo(f"{name:32} {schedule}")
