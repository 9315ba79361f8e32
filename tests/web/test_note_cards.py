"""Feed cards rendered once per distinct content (app.templating.note_cards): a cached card must be
exactly what a fresh render would give, whatever the card shows changes."""

from __future__ import annotations

import dataclasses

import pytest
from flask_babel import get_locale

from app.cache import LocalCache, RedisCache, cache
from app.feed.cards import CardAuthor, CardImage, CardNote
from app.feed.service import FeedItem
from app.templating import CARD_TEMPLATE, _card_key, note_cards
from tests.conftest import require
from tests.unit.test_cache import REDIS_URL, redis_up

NOTE = CardNote(id=7, author_id=3, title="夏日防曬開箱", is_draft=False, published_at=None, product_id=None,
                like_count=12, collect_count=2, comment_count=1,
                author=CardAuthor(3, "mei", "小美", None), cover=CardImage(9, "abc123", 600, 800))
ITEM = FeedItem(NOTE, liked=False, collected=False, sponsored=False, verified=False, score=1.0,
                why=[("trusted_author", 0)])


def _note(**changes) -> FeedItem:
    return dataclasses.replace(ITEM, note=dataclasses.replace(NOTE, **changes))


VARIANTS = {
    "title": _note(title="秋冬保濕清單"),
    "draft": _note(is_draft=True),
    "like count": _note(like_count=13),
    "cover key": _note(cover=CardImage(9, "def456", 600, 800)),
    "cover size": _note(cover=CardImage(9, "abc123", 800, 600)),
    "no cover": _note(cover=None),
    "author username": _note(author=CardAuthor(3, "mei2", "小美", None)),
    "author name": _note(author=CardAuthor(3, "mei", "小美美", None)),
    "author avatar": _note(author=CardAuthor(3, "mei", "小美", "avatarkey")),
    "liked": dataclasses.replace(ITEM, liked=True),
    "sponsored": dataclasses.replace(ITEM, sponsored=True),
    "verified": dataclasses.replace(ITEM, verified=True),
    "reason": dataclasses.replace(ITEM, why=[("verified_likers", 12)]),
    "reason figure": dataclasses.replace(ITEM, why=[("verified_likers", 13)]),
    "no reasons": dataclasses.replace(ITEM, why=[]),
}


def fresh(app, item) -> str:
    return app.jinja_env.get_template(CARD_TEMPLATE).render(item=item)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_a_cached_card_is_what_a_fresh_render_gives_when_anything_it_shows_changes(app, name):
    with app.test_request_context("/discover"):
        base = note_cards([ITEM])
        assert base == fresh(app, ITEM)
        variant = VARIANTS[name]
        expected = fresh(app, variant)
        assert expected != base, f"{name}: the card does not show this input"
        assert note_cards([variant]) == expected  # not the cached base card
        assert note_cards([ITEM]) == base


def test_cards_are_cached_per_locale(app):
    with app.test_request_context("/discover", headers={"Accept-Language": "en"}):
        english = note_cards([dataclasses.replace(ITEM, verified=True)])
    with app.test_request_context("/discover", headers={"Accept-Language": "zh-TW"}):
        chinese = note_cards([dataclasses.replace(ITEM, verified=True)])
    assert "Verified purchase" in english
    assert "Verified purchase" not in chinese and "已購買" in chinese


@pytest.mark.parametrize("redis_url", [None, REDIS_URL])
def test_a_page_reads_its_cards_from_the_cache(app, monkeypatch, redis_url):
    if redis_url:
        require(redis_up(), "Redis at 127.0.0.1:6379 is not running")
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    items = [_note(id=note_id, title=f"筆記{note_id}") for note_id in (1, 2, 3)]
    with app.test_request_context("/discover"):
        assert isinstance(cache(), RedisCache if redis_url else LocalCache)
        first = note_cards(items)
        keys = [_card_key(str(get_locale()), item) for item in items]
        assert "".join(cache().get(key) for key in keys) == first
        # A card cached under the same content is served as stored, not rendered again.
        cache().set(keys[1], "<article>from the cache</article>", 60)
        again = note_cards(items)
        assert str(again) == str(first).replace(fresh(app, items[1]), "<article>from the cache</article>")
        assert note_cards([]) == ""


def test_cached_cards_stay_escaped(app):
    item = _note(title="<script>alert(1)</script>", author=CardAuthor(3, "mei", "<b>小美</b>", None))
    with app.test_request_context("/discover"):
        for _ in range(2):  # rendered, then read back from the cache
            html = note_cards([item])
            assert "<script>" not in html and "&lt;script&gt;" in html
            assert "<b>" not in html
