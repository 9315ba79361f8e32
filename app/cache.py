"""A small cache for domains: Redis when REDIS_URL is configured, else an in-process TTL LRU.

Values are JSON (dicts, lists, strings, numbers), so both backends hand back the same plain data
and a caller can never mutate what another request reads. The in-process cache keeps each value
as JSON would return it, marshalled: reading it back is several times faster than parsing JSON.

A cache is an optimisation only: every Redis error (down, slow, refused) is logged once, and the
process uses its own in-memory cache for CACHE_REDIS_RETRY_SECONDS before trying Redis again; no
exception reaches the request.

    from app.cache import cache
    page = cache().get(key)
    if page is None:
        page = build()
        cache().set(key, page, ttl=60)
"""

from __future__ import annotations

import json
import logging
import marshal
import threading
import time
from collections import OrderedDict
from typing import Any

from flask import Flask, current_app

log = logging.getLogger(__name__)

DEFAULT_NAMESPACE = "zhongcao"
DEFAULT_MAX_ENTRIES = 20_000


class LocalCache:
    """In-process LRU with a time to live per entry, safe across threads."""

    url: str | None = None

    def __init__(self, max_entries: int = DEFAULT_MAX_ENTRIES, clock=time.monotonic):
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Any | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            expires, payload = entry
            if expires <= self.clock():
                del self._entries[key]
                return None
            self._entries.move_to_end(key)
        return marshal.loads(payload)  # noqa: S302  # nosec B302  # bytes set() marshalled in this process

    def get_many(self, keys: list[str]) -> list[Any | None]:
        return [self.get(key) for key in keys]

    def set(self, key: str, value: Any, ttl: float) -> None:
        if ttl <= 0:
            return
        payload = marshal.dumps(json.loads(json.dumps(value)))  # exactly what JSON hands back
        with self._lock:
            self._entries[key] = (self.clock() + ttl, payload)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def delete(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)


class RedisCache:
    """Redis with short socket timeouts; on any Redis error it serves from ``fallback`` (the
    process's LocalCache) for ``retry_seconds`` and then tries Redis again."""

    def __init__(self, url: str, timeout: float, retry_seconds: float, fallback: LocalCache,
                 namespace: str = DEFAULT_NAMESPACE):
        import redis

        self.url = url
        # Keys are "<namespace>:cache:<key>": deployments (or test runs) sharing one Redis keep apart.
        self.prefix = f"{namespace}:cache:"
        self.client = redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout)
        self.errors = (redis.exceptions.RedisError, OSError)
        self.retry_seconds = retry_seconds
        self.fallback = fallback
        self.down_until = 0.0

    @property
    def available(self) -> bool:
        return time.monotonic() >= self.down_until

    def _failed(self, error: Exception) -> None:
        if self.available:
            log.warning("cache: Redis at %s failed (%s); using the in-process cache for %g s",
                        self.url.rsplit("@", 1)[-1], error, self.retry_seconds)
        self.down_until = time.monotonic() + self.retry_seconds

    def get(self, key: str) -> Any | None:
        if not self.available:
            return self.fallback.get(key)
        try:
            payload = self.client.get(self.prefix + key)
        except self.errors as error:
            self._failed(error)
            return self.fallback.get(key)
        return None if payload is None else json.loads(payload)

    def get_many(self, keys: list[str]) -> list[Any | None]:
        """Values for ``keys`` in one round trip (MGET), None where missing."""
        if not keys:
            return []
        if not self.available:
            return self.fallback.get_many(keys)
        try:
            payloads = self.client.mget([self.prefix + key for key in keys])
        except self.errors as error:
            self._failed(error)
            return self.fallback.get_many(keys)
        return [None if payload is None else json.loads(payload) for payload in payloads]

    def set(self, key: str, value: Any, ttl: float) -> None:
        if ttl <= 0:
            return
        if not self.available:
            self.fallback.set(key, value, ttl)
            return
        try:
            self.client.set(self.prefix + key, json.dumps(value, separators=(",", ":")), px=max(int(ttl * 1000), 1))
        except self.errors as error:
            self._failed(error)
            self.fallback.set(key, value, ttl)

    def delete(self, key: str) -> None:
        self.fallback.delete(key)
        if not self.available:
            return
        try:
            self.client.delete(self.prefix + key)
        except self.errors as error:
            self._failed(error)

    def clear(self) -> None:
        """Drop every entry of this cache (its own key prefix only), and the fallback's."""
        self.fallback.clear()
        if not self.available:
            return
        try:
            keys = list(self.client.scan_iter(match=self.prefix + "*", count=1000))
            if keys:
                self.client.delete(*keys)
        except self.errors as error:
            self._failed(error)


def make_cache(config) -> LocalCache | RedisCache:
    """The cache for this configuration (a mapping like app.config)."""
    local = LocalCache(int(config.get("CACHE_MAX_ENTRIES") or DEFAULT_MAX_ENTRIES))
    url = config.get("REDIS_URL")
    if not url:
        return local
    return RedisCache(url, float(config.get("REDIS_SOCKET_TIMEOUT") or 0.5),
                      float(config.get("CACHE_REDIS_RETRY_SECONDS") or 5), local,
                      config.get("CACHE_NAMESPACE") or DEFAULT_NAMESPACE)


def cache(app: Flask | None = None) -> LocalCache | RedisCache:
    """This app's cache, made on first use (one per process, shared by its threads)."""
    app = app or current_app._get_current_object()
    found = app.extensions.get("zhongcao_cache")
    url = app.config.get("REDIS_URL")
    # Tests switch REDIS_URL on a running app: a changed URL gets a cache of its own.
    if found is None or found.url != (url or None):
        found = app.extensions["zhongcao_cache"] = make_cache(app.config)
    return found
