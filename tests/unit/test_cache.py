"""app/cache.py: the in-process TTL LRU, Redis (real, at 127.0.0.1:6379) and Redis down."""

from __future__ import annotations

import time
import uuid

import pytest

from app.cache import LocalCache, RedisCache, cache, make_cache
from tests.conftest import require

REDIS_URL = "redis://127.0.0.1:6379/0"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def redis_up() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=0.5, socket_connect_timeout=0.5).ping())
    except redis.exceptions.RedisError:
        return False


def test_local_entries_expire_after_their_ttl():
    clock = Clock()
    store = LocalCache(clock=clock)
    store.set("page", {"cards": [1, 2]}, ttl=60)
    clock.now += 59.9
    assert store.get("page") == {"cards": [1, 2]}
    clock.now += 0.2
    assert store.get("page") is None and len(store) == 0
    store.set("never", 1, ttl=0)
    assert store.get("never") is None


def test_local_evicts_the_least_recently_used():
    store = LocalCache(max_entries=2)
    store.set("a", 1, ttl=60)
    store.set("b", 2, ttl=60)
    assert store.get("a") == 1  # now "b" is the least recently used
    store.set("c", 3, ttl=60)
    assert (store.get("a"), store.get("b"), store.get("c")) == (1, None, 3)
    store.delete("a")
    assert store.get("a") is None


def test_local_hands_out_copies_a_caller_cannot_corrupt():
    store = LocalCache()
    store.set("page", {"cards": [{"id": 1, "liked": False}]}, ttl=60)
    mine = store.get("page")
    mine["cards"][0]["liked"] = True
    assert store.get("page") == {"cards": [{"id": 1, "liked": False}]}


def test_redis_round_trip_and_expiry():
    require(redis_up(), "Redis at 127.0.0.1:6379 is not running")
    store = make_cache({"REDIS_URL": REDIS_URL, "REDIS_SOCKET_TIMEOUT": 0.5})
    assert isinstance(store, RedisCache)
    key = f"test:{uuid.uuid4().hex}"
    store.set(key, {"cards": ["紅"]}, ttl=0.3)
    assert store.client.exists("zhongcao:cache:" + key)  # really in Redis, not the fallback
    assert len(store.fallback) == 0
    assert store.get(key) == {"cards": ["紅"]}
    time.sleep(0.4)
    assert store.get(key) is None
    store.set(key, 1, ttl=60)
    store.delete(key)
    assert store.get(key) is None and not store.client.exists("zhongcao:cache:" + key)


def test_redis_down_degrades_silently_to_the_process_cache():
    store = make_cache({"REDIS_URL": "redis://127.0.0.1:1/0", "REDIS_SOCKET_TIMEOUT": 0.2,
                        "CACHE_REDIS_RETRY_SECONDS": 30})
    started = time.monotonic()
    assert store.get("page") is None  # connection refused: a miss, not an exception
    assert not store.available
    store.set("page", {"cards": [1]}, ttl=60)
    assert store.get("page") == {"cards": [1]}  # served by the in-process fallback
    store.delete("page")
    assert store.get("page") is None
    assert time.monotonic() - started < 2


def test_redis_is_tried_again_after_the_retry_period():
    store = make_cache({"REDIS_URL": "redis://127.0.0.1:1/0", "REDIS_SOCKET_TIMEOUT": 0.2,
                        "CACHE_REDIS_RETRY_SECONDS": 0.05})
    store.get("page")
    assert not store.available
    time.sleep(0.1)
    assert store.available


@pytest.mark.parametrize("url", [None, REDIS_URL])
def test_app_cache_follows_redis_url(app, monkeypatch, url):
    monkeypatch.setitem(app.config, "REDIS_URL", url)
    with app.app_context():
        store = cache()
        assert isinstance(store, RedisCache if url else LocalCache)
        assert cache() is store  # one per process


def test_local_values_come_back_as_json_would_return_them():
    store = LocalCache()
    store.set("entry", {"ids": (1, 2), 7: "七", "nested": [{"ok": True, "none": None, "f": 1.5}]}, ttl=60)
    assert store.get_many(["entry", "missing"]) == [
        {"ids": [1, 2], "7": "七", "nested": [{"ok": True, "none": None, "f": 1.5}]}, None]
    with pytest.raises(TypeError):
        store.set("bad", {"when": time}, ttl=60)  # what JSON cannot hold is refused, as Redis refuses it


def test_redis_get_many_and_clear_touch_only_this_caches_keys():
    require(redis_up(), "Redis at 127.0.0.1:6379 is not running")
    store = make_cache({"REDIS_URL": REDIS_URL, "REDIS_SOCKET_TIMEOUT": 0.5})
    key, foreign = f"test:{uuid.uuid4().hex}", f"someone-else:{uuid.uuid4().hex}"
    store.client.set(foreign, "theirs", ex=60)
    store.set(key, {"ids": (1, 2)}, ttl=60)
    assert store.get_many([key, key + ":missing"]) == [{"ids": [1, 2]}, None]
    assert store.get_many([]) == []
    store.clear()
    assert store.get(key) is None and store.client.get(foreign) == b"theirs"
    store.client.delete(foreign)
