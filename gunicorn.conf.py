"""gunicorn settings for `make serve`; each can be overridden from the environment (or the
command line, which wins over this file)."""

import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
# Processes: the usual 2 x CPUs + 1, capped so a big machine does not open more database
# connections than a small PostgreSQL allows. Threads overlap the I/O waits inside each one.
workers = int(os.environ.get("WEB_CONCURRENCY") or min(2 * multiprocessing.cpu_count() + 1, 8))
threads = int(os.environ.get("GUNICORN_THREADS") or 2)
# A request taking longer than this is killed with its worker (uploads of 18 photos included).
timeout = int(os.environ.get("GUNICORN_TIMEOUT") or 30)
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT") or 20)
keepalive = 5
# Recycle workers now and then, staggered, so slow leaks cannot grow forever.
max_requests = 2000
max_requests_jitter = 200
# Heartbeat files in memory, not on a possibly slow disk (Docker's /tmp is an overlay).
_memory_dir = "/dev/shm"  # noqa: S108  (gunicorn's advice; not a temp file of ours)
worker_tmp_dir = _memory_dir if os.path.isdir(_memory_dir) else None

accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None  # "-" is stdout; empty turns it off
errorlog = "-"
# The path without the query string (tokens, search words) and no Referer; the request id is the
# X-Request-ID response header, the same one on the app's own log lines for the request.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms "%(a)s" request_id=%({x-request-id}o)s'

# gunicorn's control socket (for gunicornc) defaults to one path per user, which a second instance
# on the machine takes over; it is on only with a path of this instance's own.
_control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET")
control_socket_disable = not _control_socket
if _control_socket:
    control_socket = _control_socket
