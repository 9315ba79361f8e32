"""Feed cards rendered once per distinct content (app.templating.render_note_cards): a cached card
must be exactly what including the template would give, whatever changes in what it is given."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime

import pytest
from flask import render_template_string

from app.cache import LocalCache, RedisCache, cache
from app.feed.cards import CardAuthor, CardImage, CardNote
from app.feed.service import FeedItem
from app.templating import render_note_cards
from tests.conftest import require
from tests.unit.test_cache import REDIS_URL, redis_up

NOTE = CardNote(id=7, author_id=3, title="夏日防曬開箱", is_draft=False, published_at=None, product_id=None,
                like_count=12, collect_count=2, comment_count=1,
                author=CardAuthor(3, "mei", "小美", None), cover=CardImage(9, "abc123", 600, 800))
ITEM = FeedItem(NOTE, liked=False, collected=False, sponsored=False, verified=False, score=1.0,
                why=[("trusted_author", 0)])
# What an empty field becomes in its variant; a new optional field must be given one here.
FILLED = {"published_at": datetime(2026, 11, 1, tzinfo=UTC), "product_id": 5, "avatar_key": "avatarkey",
          "score": 2.0}


def changed(name: str, value):
    if isinstance(value, bool):
        return not value
    if isinstance(value, int | float):
        return value + 1
    if isinstance(value, str):
        return value + "改"
    if name == "why":
        return [("verified_likers", 12)]
    if value is None:
        return FILLED[name]
    raise AssertionError(f"no variant for {name}={value!r}: add one")


def with_changed(value, name: str):
    return dataclasses.replace(value, **{name: changed(name, getattr(value, name))})


def variants() -> dict[str, FeedItem]:
    """The item with each field of the item, its note, author and cover changed in turn (and the
    optional cover and reasons taken away)."""
    out = {"no cover": dataclasses.replace(ITEM, note=dataclasses.replace(NOTE, cover=None)),
           "no reasons": dataclasses.replace(ITEM, why=[]),
           "reason figure": dataclasses.replace(ITEM, why=[("verified_likers", 13)])}
    for field in dataclasses.fields(FeedItem):
        if field.name != "note":
            out[f"item.{field.name}"] = with_changed(ITEM, field.name)
    for field in dataclasses.fields(CardNote):
        if field.name not in ("author", "cover"):
            out[f"note.{field.name}"] = dataclasses.replace(ITEM, note=with_changed(NOTE, field.name))
    for part in ("author", "cover"):
        value = getattr(NOTE, part)
        for field in dataclasses.fields(value):
            note = dataclasses.replace(NOTE, **{part: with_changed(value, field.name)})
            out[f"{part}.{field.name}"] = dataclasses.replace(ITEM, note=note)
    return out


VARIANTS = variants()
SHOWN = {"no cover", "no reasons", "reason figure", "item.liked", "item.sponsored", "item.verified", "item.why",
         "note.id", "note.title", "note.is_draft", "note.like_count", "author.username", "author.display_name",
         "author.avatar_key", "cover.key", "cover.width", "cover.height"}


def included(item) -> str:
    """The card as a page that includes the template renders it, with the whole page context."""
    return render_template_string('{% include "_partials/_note_card.html" %}', item=item)


@pytest.mark.parametrize("name", list(VARIANTS))
def test_a_cached_card_is_what_including_the_template_gives_whatever_changes(app, name):
    with app.test_request_context("/discover"):
        base = render_note_cards([ITEM])
        assert base == included(ITEM)
        variant = VARIANTS[name]
        assert render_note_cards([variant]) == included(variant)  # not the cached base card
        # What the card shows differs in the variants that change it (so the test sees them).
        assert (included(variant) != base) == (name in SHOWN)
        assert render_note_cards([ITEM]) == base


def test_cards_are_cached_per_locale(app):
    item = dataclasses.replace(ITEM, verified=True)
    with app.test_request_context("/discover", headers={"Accept-Language": "en"}):
        english = render_note_cards([item])
    with app.test_request_context("/discover", headers={"Accept-Language": "zh-TW"}):
        chinese = render_note_cards([item])
    assert "Verified purchase" in english
    assert "Verified purchase" not in chinese and "已購買" in chinese


@pytest.mark.parametrize("redis_url", [None, REDIS_URL])
def test_a_page_reads_its_cards_from_the_cache(app, monkeypatch, redis_url):
    if redis_url:
        require(redis_up(), "Redis at 127.0.0.1:6379 is not running")
    monkeypatch.setitem(app.config, "REDIS_URL", redis_url)
    items = [dataclasses.replace(ITEM, note=dataclasses.replace(NOTE, id=i, title=f"筆記{i}")) for i in (1, 2, 3)]
    with app.test_request_context("/discover"):
        assert isinstance(cache(), RedisCache if redis_url else LocalCache)
        first = render_note_cards(items)
        assert render_note_cards([]) == ""
        # A card cached under the same content is served as stored, not rendered again.
        cache().clear()
        render_note_cards(items[1:2])
        store = cache()
        keys = _card_keys(store)
        assert len(keys) == 1
        store.set(keys[0], "<article>from the cache</article>", 60)
        again = render_note_cards(items)
        assert str(again) == str(first).replace(included(items[1]), "<article>from the cache</article>")


def _card_keys(store) -> list[str]:
    if isinstance(store, RedisCache):
        found = store.client.scan_iter(match=store.prefix + "card-html:*")
        return [key.decode().removeprefix(store.prefix) for key in found]
    return [key for key in store._entries if key.startswith("card-html:")]


def test_cached_cards_stay_escaped(app):
    item = dataclasses.replace(ITEM, note=dataclasses.replace(
        NOTE, title="<script>alert(1)</script>", author=CardAuthor(3, "mei", "<b>小美</b>", None)))
    with app.test_request_context("/discover"):
        for _ in range(2):  # rendered, then read back from the cache
            html = render_note_cards([item])
            assert "<script>" not in html and "&lt;script&gt;" in html
            assert "<b>" not in html


def test_one_readers_like_never_reaches_another_on_profile_and_tag_pages(app, client, make_user, make_note, auth):
    make_user("author")
    make_user("fan")
    make_user("other")
    note_id = make_note("author", title="秋冬保濕", body="每天擦 #保濕 乳")
    auth.login("fan")
    assert client.post(f"/notes/{note_id}/like").status_code in (200, 302)
    pages = ["/u/author", "/tags/保濕"]

    def active(path) -> bool:
        html = client.get(path).get_data(as_text=True)
        card = re.search(rf'data-note-id="{note_id}".*?</article>', html, re.S)
        assert card, f"{path} shows no card for the note"
        return "note-card-likes is-active" in card.group(0)

    assert [active(path) for path in pages] == [True, True]
    auth.logout()
    auth.login("other")
    assert [active(path) for path in pages] == [False, False]
    auth.logout()
    assert [active(path) for path in pages] == [False, False]


def test_an_edited_card_template_shows_at_once_while_templates_auto_reload(app, monkeypatch):
    from jinja2 import ChoiceLoader, DictLoader

    edited = {"_partials/_note_card.html": "<article>edited {{ item.note.title }}</article>",
              "_partials/_avatar.html": ""}
    with app.test_request_context("/discover"):
        before = render_note_cards([ITEM])
        monkeypatch.setattr(app.jinja_env, "auto_reload", True)
        monkeypatch.setattr(app.jinja_env, "loader", ChoiceLoader([DictLoader(edited), app.jinja_env.loader]))
        app.jinja_env.cache.clear()
        try:
            assert render_note_cards([ITEM]) == "<article>edited 夏日防曬開箱</article>" != before
        finally:
            app.jinja_env.cache.clear()
            app.extensions.pop("card_templates_version", None)
