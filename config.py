"""Configuration. Every setting can be overridden from the environment.

`create_app()` with no argument picks the class named by ZHONGCAO_ENV
(development, testing, production; default development).
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def _env(name: str, default=None):
    value = os.environ.get(name)
    return default if value in (None, "") else value


def _env_int(name: str, default: int) -> int:
    return int(_env(name, default))


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def normalize_database_url(url: str) -> str:
    """Accept the usual postgres:// spellings and use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


class Config:
    ENV_NAME = "development"
    SECRET_KEY = _env("SECRET_KEY", "dev-only-not-secret")
    DATABASE_URL = normalize_database_url(_env("DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'zhongcao.sqlite3'}"))
    SEARCH_INDEX_DIR = _env("SEARCH_INDEX_DIR", str(BASE_DIR / "search_index"))
    MEDIA_DIR = _env("MEDIA_DIR", str(INSTANCE_DIR / "media"))
    SQLITE_BUSY_TIMEOUT_MS = _env_int("SQLITE_BUSY_TIMEOUT_MS", 10_000)

    # Uploads: 18 photos of up to 12 MB each fit in one request.
    MAX_CONTENT_LENGTH = _env_int("MAX_CONTENT_LENGTH", 200 * 1024 * 1024)
    MAX_IMAGE_BYTES = _env_int("MAX_IMAGE_BYTES", 12 * 1024 * 1024)
    MAX_IMAGE_PIXELS = _env_int("MAX_IMAGE_PIXELS", 50_000_000)
    MAX_IMAGE_SIDE = _env_int("MAX_IMAGE_SIDE", 12_000)
    AVATAR_SIZES = {"thumb": 96, "large": 320}
    # Waterfall covers at 360 px wide (720 for 2x screens would double the bytes), note pages at 1080.
    NOTE_IMAGE_SIZES = {"thumb": 360, "large": 1080}
    FEED_PAGE_SIZE = _env_int("FEED_PAGE_SIZE", 20)
    # Ranked feeds (app/feed/ranking.py). The exploration share is the part of each page kept for
    # creators whose accounts are younger than FEED_NEW_CREATOR_DAYS, so newcomers get seen.
    FEED_EXPLORATION_SHARE = float(_env("FEED_EXPLORATION_SHARE", 0.1))
    FEED_NEW_CREATOR_DAYS = _env_int("FEED_NEW_CREATOR_DAYS", 30)
    FEED_AUTHOR_CAP = _env_int("FEED_AUTHOR_CAP", 2)  # notes by one author per page
    FEED_HALF_LIFE_HOURS = float(_env("FEED_HALF_LIFE_HOURS", 48))
    FEED_CANDIDATES = _env_int("FEED_CANDIDATES", 2000)  # newest notes considered per ranking,
    FEED_MAX_AGE_DAYS = _env_int("FEED_MAX_AGE_DAYS", 14)  # looked for first within this many days
    FEED_SNAPSHOT_LENGTH = _env_int("FEED_SNAPSHOT_LENGTH", 1000)  # ranked places kept per snapshot
    FEED_SNAPSHOT_SECONDS = _env_int("FEED_SNAPSHOT_SECONDS", 60)  # Discover is re-ranked this often
    FEED_SNAPSHOT_KEEP_HOURS = _env_int("FEED_SNAPSHOT_KEEP_HOURS", 24)
    FEED_PAGE_CACHE_SECONDS = _env_int("FEED_PAGE_CACHE_SECONDS", 60)  # ranked pages and rendered cards
    # Trust (app/trust): recomputed in the background after a write request once the last run is
    # older than TRUST_RECOMPUTE_SECONDS and there is new evidence, or TRUST_RECOMPUTE_EVIDENCE
    # new rows (follows, likes, collects, comments, orders) have arrived.
    TRUST_AUTO_RECOMPUTE = _env_bool("TRUST_AUTO_RECOMPUTE", True)
    TRUST_RECOMPUTE_SECONDS = _env_int("TRUST_RECOMPUTE_SECONDS", 600)
    TRUST_RECOMPUTE_EVIDENCE = _env_int("TRUST_RECOMPUTE_EVIDENCE", 500)
    TRUST_CHECK_SECONDS = _env_int("TRUST_CHECK_SECONDS", 30)  # how often one process looks

    # Password hashing (argon2id). Raising these rehashes users at their next login.
    ARGON2_TIME_COST = _env_int("ARGON2_TIME_COST", 3)
    ARGON2_MEMORY_COST = _env_int("ARGON2_MEMORY_COST", 64 * 1024)
    ARGON2_PARALLELISM = _env_int("ARGON2_PARALLELISM", 2)

    # Cookies: set explicitly for both the session and the remember-me cookie.
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE
    REMEMBER_COOKIE_DURATION = _env_int("REMEMBER_COOKIE_DAYS", 30) * 24 * 3600
    PERMANENT_SESSION_LIFETIME = 14 * 24 * 3600

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # tied to the session instead, so a long-open form still posts

    RATELIMIT_ENABLED = _env_bool("RATELIMIT_ENABLED", True)
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI")  # unset: REDIS_URL if set, else memory://
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = _env("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
    API_AUTH_RATE_LIMIT = _env("API_AUTH_RATE_LIMIT", "20 per minute")

    # Redis and background jobs (app/jobs). Without REDIS_URL, rate limits live in each process's
    # memory and jobs run on threads of the web process after the response; with it, limits are
    # shared through Redis and `make worker` runs the jobs. Redis down: both fall back, no 5xx.
    REDIS_URL = _env("REDIS_URL")
    REDIS_SOCKET_TIMEOUT = float(_env("REDIS_SOCKET_TIMEOUT", 0.5))  # seconds; a request never waits longer
    CACHE_MAX_ENTRIES = _env_int("CACHE_MAX_ENTRIES", 20_000)  # in-process cache (app/cache.py), per process
    CACHE_NAMESPACE = _env("CACHE_NAMESPACE", "zhongcao")  # Redis cache keys: "<namespace>:cache:…"
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    JOBS_QUEUE = _env("JOBS_QUEUE", "zhongcao")
    JOBS_THREADS = _env_int("JOBS_THREADS", 2)  # in-process fallback threads per process
    JOBS_TIMEOUT_SECONDS = _env_int("JOBS_TIMEOUT_SECONDS", 1800)  # an RQ job running longer is killed
    JOBS_REDIS_RETRY_SECONDS = _env_int("JOBS_REDIS_RETRY_SECONDS", 5)  # after a Redis error, skip it this long
    JOBS_IN_PROCESS_SCHEDULER = _env_bool("JOBS_IN_PROCESS_SCHEDULER", True)  # periodic jobs without Redis
    # After a write request, drain the search outbox before answering (its author finds the change at
    # once); off, the request only queues a `search.drain` job.
    SEARCH_DRAIN_IN_REQUEST = _env_bool("SEARCH_DRAIN_IN_REQUEST", True)

    LANGUAGES = ("zh_Hant", "zh_Hans", "en")
    BABEL_DEFAULT_LOCALE = "zh_Hant"
    BABEL_DEFAULT_TIMEZONE = _env("BABEL_DEFAULT_TIMEZONE", "Asia/Taipei")
    BABEL_TRANSLATION_DIRECTORIES = str(BASE_DIR / "app" / "translations")

    # Security headers. No inline script or style anywhere, so the CSP stays strict.
    CONTENT_SECURITY_POLICY = (
        "default-src 'self'; img-src 'self' data: blob:; script-src 'self'; style-src 'self'; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )

    DEMO_LOAD_ON_EMPTY = _env_bool("DEMO_LOAD_ON_EMPTY", True)

    # Commerce. The sandbox provider is the only one wired in; it says so on its page.
    PAYMENT_PROVIDER = _env("PAYMENT_PROVIDER", "sandbox")
    PAYMENT_WEBHOOK_SECRET = _env("PAYMENT_WEBHOOK_SECRET")
    PAYMENT_WEBHOOK_TOLERANCE = _env_int("PAYMENT_WEBHOOK_TOLERANCE", 300)  # seconds
    PLATFORM_FEE_BPS = _env_int("PLATFORM_FEE_BPS", 0)
    ORDER_PAYMENT_TIMEOUT_MINUTES = _env_int("ORDER_PAYMENT_TIMEOUT_MINUTES", 30)
    ORDER_AUTO_COMPLETE_DAYS = _env_int("ORDER_AUTO_COMPLETE_DAYS", 10)
    ORDER_MAX_QUANTITY = _env_int("ORDER_MAX_QUANTITY", 99)

    # A completed order can be refunded for this long; only then are rewards on it paid.
    REFUND_WINDOW_DAYS = _env_int("REFUND_WINDOW_DAYS", 7)

    # Sharing (app/sharing). A share link's visit counts for the first link followed, for this long.
    REFERRAL_WINDOW_DAYS = _env_int("REFERRAL_WINDOW_DAYS", 7)
    # Reward rules, one level deep only: credit to the referrer when a new user they brought
    # completes a first order (past its refund window), and a voucher for every
    # REFERRAL_VOUCHER_EVERY such customers. 0 switches a rule off.
    REFERRAL_FIRST_ORDER_CREDIT_CENTS = _env_int("REFERRAL_FIRST_ORDER_CREDIT_CENTS", 2000)
    REFERRAL_VOUCHER_EVERY = _env_int("REFERRAL_VOUCHER_EVERY", 3)
    REFERRAL_VOUCHER_CENTS = _env_int("REFERRAL_VOUCHER_CENTS", 1000)
    REFERRAL_VOUCHER_MIN_SPEND_CENTS = _env_int("REFERRAL_VOUCHER_MIN_SPEND_CENTS", 5000)
    REFERRAL_VOUCHER_DAYS = _env_int("REFERRAL_VOUCHER_DAYS", 90)
    REWARD_CURRENCY = _env("REWARD_CURRENCY", "CNY")
    # Group buying: a group started now stays open this long.
    GROUP_BUY_HOURS = _env_int("GROUP_BUY_HOURS", 24)
    GROUP_MAX_SIZE = _env_int("GROUP_MAX_SIZE", 10)

    # Operations (app/ops). Logs: json (one object per line), text, or off (records go to the
    # root logger, as pytest captures them); every line carries the request id.
    LOG_FORMAT = _env("LOG_FORMAT", "text")
    LOG_LEVEL = _env("LOG_LEVEL", "INFO")
    # Static files requested without their current fingerprint (?v=) are cached this long;
    # fingerprinted ones for a year.
    STATIC_SHORT_MAX_AGE = _env_int("STATIC_SHORT_MAX_AGE", 300)


class DevelopmentConfig(Config):
    DEBUG = False


class TestingConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SECRET_KEY = "testing-secret"  # noqa: S105  (tests only)
    DATABASE_URL = normalize_database_url(_env("TEST_DATABASE_URL", "sqlite:///:memory:"))
    WTF_CSRF_ENABLED = False  # tests that check CSRF turn it back on
    # Fast hashing: argon2's minimum sane cost, so the suite does not spend its time hashing.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8
    ARGON2_PARALLELISM = 1
    DEMO_LOAD_ON_EMPTY = False
    TRUST_AUTO_RECOMPUTE = False  # tests recompute when they mean to
    FEED_SNAPSHOT_SECONDS = 0  # every first page re-ranks, so a test sees its own writes
    LOG_FORMAT = _env("LOG_FORMAT", "off")  # quiet unless asked
    REDIS_URL = None  # tests that use Redis set it explicitly
    # Ids restart in every test: this run's cached cards and lists stay apart from any other's.
    CACHE_NAMESPACE = f"zhongcao-test-{os.getpid()}"
    JOBS_IN_PROCESS_SCHEDULER = False


class ProductionConfig(Config):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    DEMO_LOAD_ON_EMPTY = False
    LOG_FORMAT = _env("LOG_FORMAT", "json")

    def __init__(self):
        secret = os.environ.get("SECRET_KEY")
        if not secret or len(secret) < 32:
            raise RuntimeError("SECRET_KEY must be set (at least 32 characters) in production")
        self.SECRET_KEY = secret


CONFIGS = {"development": DevelopmentConfig, "testing": TestingConfig, "production": ProductionConfig}


def config_from_env():
    name = _env("ZHONGCAO_ENV", "development")
    if name not in CONFIGS:
        raise RuntimeError(f"ZHONGCAO_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")
    return CONFIGS[name]()
