"""Extension objects, created unbound and initialised in create_app."""

from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

babel = Babel()
csrf = CSRFProtect()
login_manager = LoginManager()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def init_limiter(app) -> None:
    """Rate limits in Redis when REDIS_URL is set (shared by every worker), unless
    RATELIMIT_STORAGE_URI names a storage itself. Redis unreachable: Flask-Limiter's in-memory
    fallback (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED) keeps limiting per process until it is back,
    so a dead Redis never turns a request into a 500."""
    config = app.config
    if not config.get("RATELIMIT_STORAGE_URI"):
        config["RATELIMIT_STORAGE_URI"] = config.get("REDIS_URL") or "memory://"
    if config["RATELIMIT_STORAGE_URI"].startswith(("redis://", "rediss://", "redis+unix://")):
        # Short timeouts: a Redis that stopped answering must not hold a request for long.
        timeout = config.get("REDIS_SOCKET_TIMEOUT", 0.5)
        config.setdefault("RATELIMIT_STORAGE_OPTIONS", {"socket_timeout": timeout, "socket_connect_timeout": timeout})
    limiter.init_app(app)
