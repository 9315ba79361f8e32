"""The job layer: a registry of named tasks, ``enqueue`` to run one in the background, and the
runners behind it.

With REDIS_URL set and Redis answering, a job goes to the RQ queue JOBS_QUEUE and a worker
(`flask jobs worker`) runs it. Without Redis, or while it errors, the job runs in this process on
a small pool of daemon threads. Either way the caller never waits for the job and never sees its
errors: a request's jobs are handed over when the request is torn down, after its commit.

Tasks take plain JSON-able arguments and get an application context, nothing else: each opens
its own database session. They must be safe to run twice and in parallel (a job may run in the
fallback and on a worker at once while Redis comes and goes).
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue as stdlib_queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import redis
from flask import Flask, current_app, g, has_app_context, has_request_context

log = logging.getLogger(__name__)

REDIS_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
# How long a job may wait, and a failed one is kept, in Redis (failed ones for inspection).
FAILURE_TTL = 7 * 24 * 3600


@dataclass(frozen=True)
class Task:
    name: str
    function: Callable
    timeout: int | None = None  # seconds; None: JOBS_TIMEOUT_SECONDS


@dataclass(frozen=True)
class Periodic:
    name: str
    seconds: int | str  # a number, or the name of a config setting holding it
    when: str | None = None  # the name of a config flag that switches it on; None: always on

    def interval(self, app: Flask) -> float:
        seconds = app.config[self.seconds] if isinstance(self.seconds, str) else self.seconds
        return max(1.0, float(seconds))


TASKS: dict[str, Task] = {}
PERIODIC: dict[str, Periodic] = {}


def register(name: str, *, timeout: int | None = None):
    """Decorator: make ``function`` a task runnable by ``enqueue(name, …)``."""

    def decorate(function: Callable) -> Callable:
        if name in TASKS and TASKS[name].function is not function:
            raise ValueError(f"a different task is already registered as {name!r}")
        TASKS[name] = Task(name, function, timeout)
        return function

    return decorate


def periodic(name: str, seconds: int | str, *, when: str | None = None) -> None:
    """Run the registered task ``name`` every ``seconds`` (or every app.config[seconds]), while
    app.config[when] is true if ``when`` is given."""
    if name not in TASKS:
        raise KeyError(f"no task named {name!r}; register it first")
    PERIODIC[name] = Periodic(name, seconds, when)


def every(seconds: int | str, *service_functions: Callable) -> None:
    """Register domain use cases shaped ``fn(session, now=None)`` as periodic tasks named
    ``<domain>.<function name>`` (``app.sharing.service.expire_groups`` → ``sharing.expire_groups``):
    each run opens a session, calls the function (which commits its own work) and logs what it
    returned."""
    for function in service_functions:
        domain = function.__module__.split(".")[1] if function.__module__.startswith("app.") else function.__module__
        name = f"{domain}.{function.__name__}"
        register(name)(_session_task(name, function))
        periodic(name, seconds)


def _session_task(name: str, function: Callable) -> Callable:
    def run() -> None:
        from app.db import db

        with db.new_session() as session:
            result = function(session)
        if result:
            log.info("%s: %s", name, result)

    run.__name__ = run.__qualname__ = function.__name__
    run.__wrapped__ = function
    return run


# ---- enqueue ----

def enqueue(name: str, *args, dedupe_key: str | None = None) -> None:
    """Run task ``name`` with ``args`` in the background. Jobs with the same ``dedupe_key`` that
    are still waiting collapse into one. Inside a request the job is handed over when the request
    is torn down, so it sees what the request committed. Never raises for Redis trouble; an
    unknown task name is a programming error and does raise."""
    if name not in TASKS:
        raise KeyError(f"no task named {name!r}")
    if has_request_context():
        g.setdefault("_pending_jobs", []).append((name, args, dedupe_key))
        return
    dispatch(current_app._get_current_object(), name, args, dedupe_key)


def flush_request_jobs(_exc=None) -> None:
    """teardown_request: hand the request's jobs over."""
    pending = g.pop("_pending_jobs", None)
    if pending:
        app = current_app._get_current_object()
        for name, args, dedupe_key in pending:
            dispatch(app, name, args, dedupe_key)


def dispatch(app: Flask, name: str, args: tuple, dedupe_key: str | None) -> str:
    """To RQ when Redis answers, else to this process's threads. Returns where it went."""
    state = state_for(app)
    connection = state.redis()
    if connection is not None:
        try:
            enqueue_rq(app, connection, name, args, dedupe_key)
            return "redis"
        except REDIS_ERRORS as error:
            state.redis_failed(error)
        except Exception:  # noqa: BLE001  (never into the request; the fallback still runs the job)
            log.exception("enqueueing %s to Redis failed; running it in-process", name)
    state.pool.submit(name, args, dedupe_key)
    return "in-process"


def job_id_for(dedupe_key: str) -> str:
    """RQ ids allow letters, digits, _ and - only; the hash keeps distinct keys distinct."""
    readable = re.sub(r"[^A-Za-z0-9_-]", "-", dedupe_key)[:80]
    digest = hashlib.sha1(dedupe_key.encode(), usedforsecurity=False).hexdigest()[:10]  # an id, not security
    return f"zc-{readable}-{digest}"


def rq_queue(app: Flask, connection):
    from rq import Queue
    from rq.serializers import JSONSerializer

    return Queue(app.config["JOBS_QUEUE"], connection=connection, serializer=JSONSerializer)


def enqueue_rq(app: Flask, connection, name: str, args: tuple, dedupe_key: str | None):
    """Enqueue on RQ; with a dedupe key, a job with that id that is waiting or running absorbs
    this one, while a finished or failed one is replaced."""
    from rq.exceptions import DuplicateJobError, NoSuchJobError
    from rq.job import Job, JobStatus

    task = TASKS[name]
    queue = rq_queue(app, connection)
    options = {
        "args": (name, list(args)),
        "description": name,
        "job_timeout": task.timeout or app.config["JOBS_TIMEOUT_SECONDS"],
        "result_ttl": 0,  # nothing reads results; a finished job frees its id at once
        "failure_ttl": FAILURE_TTL,
    }
    if dedupe_key is None:
        return queue.enqueue("app.jobs.queue.run_task", **options)
    job_id = job_id_for(dedupe_key)
    for _attempt in range(2):
        try:
            return queue.enqueue("app.jobs.queue.run_task", job_id=job_id, unique=True, **options)
        except DuplicateJobError:
            try:
                existing = Job.fetch(job_id, connection=connection, serializer=queue.serializer)
                status = existing.get_status(refresh=True)
            except NoSuchJobError:
                continue  # gone in between: enqueue again
            if status in (JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED):
                return existing
            existing.delete()
    return None  # lost the race twice to other enqueuers: theirs runs


def run_task(name: str, args: list) -> None:
    """What an RQ worker executes: the task with an application context of its own."""
    app = current_app._get_current_object() if has_app_context() else worker_app()
    state = state_for(app)
    if state.engine_pid != os.getpid():
        # A forked work horse: never reuse the parent's database connections.
        from app.db import db

        with app.app_context():
            db.engine_for_app.dispose(close=False)
        state.engine_pid = os.getpid()
    with app.app_context():
        TASKS[name].function(*args)


_worker_app: Flask | None = None


def set_worker_app(app: Flask) -> None:
    global _worker_app
    _worker_app = app


def worker_app() -> Flask:
    global _worker_app
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    return _worker_app


# ---- per-app state: the Redis connection and the in-process runner ----

class JobsState:
    def __init__(self, app: Flask):
        self.app = app
        self.pool = InProcessPool(app, app.config["JOBS_THREADS"])
        self.engine_pid = os.getpid()
        self._redis = None
        self._redis_url: str | None = None
        self._redis_down_until = 0.0
        self.scheduler: InProcessScheduler | None = None
        self.lock = threading.Lock()

    def redis(self):
        """The Redis client for enqueueing, or None without REDIS_URL or shortly after an error."""
        url = self.app.config.get("REDIS_URL")
        if not url or time.monotonic() < self._redis_down_until:
            return None
        if self._redis is None or self._redis_url != url:
            timeout = self.app.config["REDIS_SOCKET_TIMEOUT"]
            self._redis = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
            self._redis_url = url
        return self._redis

    def redis_failed(self, error: Exception) -> None:
        retry = self.app.config["JOBS_REDIS_RETRY_SECONDS"]
        if time.monotonic() >= self._redis_down_until:
            log.warning("Redis unreachable (%s); jobs run in-process for the next %d s", error, retry)
        self._redis_down_until = time.monotonic() + retry


def state_for(app: Flask) -> JobsState:
    state = app.extensions.get("jobs")
    if state is None:
        state = app.extensions["jobs"] = JobsState(app)
    return state


class InProcessPool:
    """Daemon threads running jobs in this process. A dedupe key already waiting here is
    dropped; once its job starts, the key may be queued again (new work after the start)."""

    def __init__(self, app: Flask, threads: int):
        self.app = app
        self.size = max(1, threads)
        self.jobs: stdlib_queue.SimpleQueue = stdlib_queue.SimpleQueue()
        self.waiting_keys: set[str] = set()
        self.unfinished = 0
        self.condition = threading.Condition()
        self.threads: list[threading.Thread] = []
        self.pid = os.getpid()

    def submit(self, name: str, args: tuple, dedupe_key: str | None) -> None:
        with self.condition:
            if self.pid != os.getpid():  # forked after threads started: they did not come along
                self.threads, self.pid = [], os.getpid()
            if dedupe_key is not None:
                if dedupe_key in self.waiting_keys:
                    return
                self.waiting_keys.add(dedupe_key)
            self.unfinished += 1
            if len(self.threads) < self.size:
                thread = threading.Thread(target=self._work, name=f"jobs-{len(self.threads)}", daemon=True)
                self.threads.append(thread)
                thread.start()
        self.jobs.put((name, args, dedupe_key))

    def _work(self) -> None:
        while True:
            name, args, dedupe_key = self.jobs.get()
            with self.condition:
                self.waiting_keys.discard(dedupe_key)
            try:
                with self.app.app_context():
                    TASKS[name].function(*args)
            except Exception:  # noqa: BLE001  (a job's failure is logged, never propagated)
                log.exception("in-process job %s failed", name)
            finally:
                with self.condition:
                    self.unfinished -= 1
                    self.condition.notify_all()

    def wait(self, timeout: float) -> bool:
        """Block until every submitted job has finished; False on timeout."""
        with self.condition:
            return self.condition.wait_for(lambda: self.unfinished == 0, timeout)


def wait_idle(app: Flask, timeout: float = 30.0) -> bool:
    """Wait for this process's in-process jobs (tests, and a command that must not exit early)."""
    return state_for(app).pool.wait(timeout)


# ---- periodic jobs ----

def tick_key(app: Flask, name: str) -> str:
    return f"zhongcao:jobs:{app.config['JOBS_QUEUE']}:tick:{name}"


def run_due(app: Flask, last_run: dict[str, float], connection=None) -> list[str]:
    """One scheduler tick: start every periodic job whose interval has passed. With Redis, a
    ``SET NX EX interval`` key lets exactly one scheduler across all workers enqueue each run;
    when Redis errors, each scheduler runs what is due in its own process instead."""
    started = []
    now = time.monotonic()
    for job in list(PERIODIC.values()):
        if job.when and not app.config.get(job.when):
            continue
        interval = job.interval(app)
        if connection is not None:
            try:
                if connection.set(tick_key(app, job.name), "1", nx=True, ex=int(interval)):
                    enqueue_rq(app, connection, job.name, (), f"periodic:{job.name}")
                    started.append(job.name)
                continue
            except REDIS_ERRORS as error:
                state_for(app).redis_failed(error)
                connection = None
        if now - last_run.get(job.name, -interval) >= interval:
            last_run[job.name] = now
            state_for(app).pool.submit(job.name, (), f"periodic:{job.name}")
            started.append(job.name)
    return started


class InProcessScheduler:
    """Runs periodic jobs from a daemon thread of this process (the web process without Redis,
    or a worker whose Redis is down). Every process runs its own: the jobs are safe in parallel."""

    def __init__(self, app: Flask, *, use_redis: bool = False, tick: float = 1.0):
        self.app = app
        self.use_redis = use_redis
        self.tick = tick
        self.stopped = threading.Event()
        # The first runs come one interval after start, not all at once at boot.
        self.last_run = {name: time.monotonic() for name in PERIODIC}
        self.thread = threading.Thread(target=self._loop, name="jobs-scheduler", daemon=True)

    def start(self) -> InProcessScheduler:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.stopped.set()

    def _loop(self) -> None:
        while not self.stopped.wait(self.tick):
            try:
                state = state_for(self.app)
                connection = state.redis() if self.use_redis else None
                run_due(self.app, self.last_run, connection)
            except Exception:  # noqa: BLE001  (the loop must outlive any one tick)
                log.exception("periodic job scheduler tick failed")


def start_web_scheduler(app: Flask) -> None:
    """Start the in-process scheduler once per process (gunicorn workers fork after import, so
    this runs on each worker's first request, never in the master)."""
    if app.config.get("REDIS_URL") or not app.config.get("JOBS_IN_PROCESS_SCHEDULER"):
        return
    state = state_for(app)
    if state.scheduler is not None and state.scheduler.thread.is_alive():
        return  # every request after the first
    with state.lock:
        if state.scheduler is not None and state.scheduler.thread.is_alive():
            return
        state.scheduler = InProcessScheduler(app).start()
