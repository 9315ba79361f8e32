"""The /search page through the test client: a real database, the real Whoosh index, the outbox
drained the way a write request drains it. Asserts on data-testid attributes and on what the
reader reads (marked words, snippets), never on CSS classes."""

from __future__ import annotations

import re
from html import unescape

import pytest

from app.db import db
from app.search import outbox

SHIPPING = {"name": "王小明", "phone": "0912345678", "address": "台北市信義區松仁路100號"}


def drain(app) -> None:
    """Apply what fixtures queued outside a request (only write requests drain on their own)."""
    with app.app_context():
        outbox.drain(db.session)


def search(client, status=200, **params):
    response = client.get("/search", query_string=params)
    assert response.status_code == status, (params, response.status_code, response.get_data(as_text=True)[:2000])
    return response.get_data(as_text=True)


def note_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-testid="note-card" data-note-id="(\d+)"', html)]


def cards(html: str) -> dict[int, str]:
    """Each note card's HTML by note id."""
    parts = re.split(r'(?=<article class="[^"]*" data-testid="note-card")', html)
    out = {}
    for part in parts:
        match = re.search(r'data-testid="note-card" data-note-id="(\d+)"', part)
        if match:
            out[int(match.group(1))] = part.split("</article>")[0]
    return out


def tiles(html: str) -> list[str]:
    return [t.split("</li>")[0] for t in html.split('data-testid="product-tile"')[1:]]


def marked(fragment: str) -> list[str]:
    return [unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", fragment, re.S)]


def text_of(fragment: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", fragment))


def snippet_of(card: str) -> str:
    match = re.search(r'data-testid="snippet">(.*?)</p>', card, re.S)
    assert match, f"no snippet in the card: {card}"
    return match.group(1)


def title_of(card: str) -> str:
    return re.search(r"<h3[^>]*>(.*?)</h3>", card, re.S).group(1)


@pytest.fixture
def people(make_user):
    make_user("lipstick_fan", display_name="口紅控")
    make_user("camper", display_name="露營阿明")
    make_user("shop", display_name="美妝小舖")


# ---- Traditional and Simplified meet, with the match marked ----

def test_simplified_query_finds_traditional_note_and_the_reverse(app, client, people, make_note):
    traditional = make_note("lipstick_fan", title="秋冬必備口紅色號", body="這支口紅顯白又持久，#口紅 真的推")
    simplified = make_note("camper", title="新手露营装备清单", body="第一次去露营，帐篷和睡袋怎么挑")
    make_note("camper", title="今天的晚餐", body="煮了一鍋咖哩")
    drain(app)

    html = search(client, q="口红")
    assert note_ids(html) == [traditional]
    card = cards(html)[traditional]
    assert "口紅" in marked(title_of(card))  # the Traditional word as written, marked
    snippet = snippet_of(card)
    assert "口紅" in marked(snippet) and "持久" in text_of(snippet)

    html = search(client, q="露營裝備")
    assert note_ids(html) == [simplified]
    card = cards(html)[simplified]
    assert "露营装备" in marked(title_of(card))
    assert "露营" in marked(snippet_of(card))
    assert 'data-testid="no-results"' not in html


def test_a_script_in_a_title_is_escaped_and_the_match_still_marked(app, client, people, make_note):
    note = make_note("lipstick_fan", title="<script>alert(1)</script>口紅", body="<b>粗體</b> 口紅試色 & 心得")
    drain(app)
    html = search(client, q="口红")
    assert note_ids(html) == [note]
    card = cards(html)[note]
    assert "<script>alert(1)" not in html and "<b>粗體" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in card
    assert "&lt;b&gt;粗體&lt;/b&gt;" in card
    assert marked(title_of(card)) == ["口紅"]
    assert "口紅" in marked(snippet_of(card))
    # The words typed come back in the form as a value, escaped too.
    hostile = search(client, q='"><script>alert(2)</script>')
    assert "<script>alert(2)" not in hostile


# ---- tabs ----

def test_products_tab_shows_tiles_with_the_name_highlighted(app, client, people, make_product, make_note):
    product = make_product("shop", name="絲絨霧面口紅 #520", price_cents=26000, description="持色一整天的口紅")
    make_product("shop", name="保濕面霜", price_cents=59000)
    make_note("lipstick_fan", title="口紅試色", body="三支口紅比較")
    drain(app)

    html = search(client, q="口红", type="products")
    assert 'aria-current="page" data-testid="search-kind-products"' in html
    found = tiles(html)
    assert len(found) == 1 and f"/products/{product}" in found[0]
    name = re.search(r'data-testid="result-title">(.*?)</span>', found[0], re.S).group(1)
    assert marked(name) == ["口紅"] and "絲絨霧面" in text_of(name)
    assert "260" in text_of(found[0])
    assert 'data-testid="note-card"' not in html  # notes stay on their own tab


def test_users_tab_shows_people(app, client, people, make_user):
    from app.accounts import service as accounts

    user = make_user("redlips", display_name="小紅")
    with app.app_context():
        accounts.update_profile(db.session, db.session.merge(user), display_name="小紅", bio="每天分享口紅試色",
                                locale=None)
    drain(app)
    html = search(client, q="口红", type="users")
    persons = html.split('data-testid="person"')[1:]
    usernames = {re.search(r"@(\w+)", p).group(1) for p in persons}
    assert usernames == {"lipstick_fan", "redlips"}
    fan = next(p for p in persons if "@lipstick_fan" in p)
    assert marked(re.search(r'data-testid="result-title">(.*?)</strong>', fan, re.S).group(1)) == ["口紅"]
    assert 'href="/u/lipstick_fan"' in fan
    assert 'aria-current="page" data-testid="search-kind-users"' in html


def test_tabs_keep_the_query(app, client, people, make_note):
    make_note("lipstick_fan", title="口紅試色", body="三支口紅比較")
    drain(app)
    html = search(client, q="口红")
    for kind in ("notes", "products", "users"):
        link = re.search(rf'<a href="([^"]+)"[^>]*data-testid="search-kind-{kind}"', html, re.S).group(1)
        assert "q=%E5%8F%A3%E7%BA%A2" in unescape(link) and f"type={kind}" in unescape(link)


# ---- filters and order ----

def _completed_order(app, buyer, seller, product_id):
    """An order the buyer paid for, the seller shipped and the buyer confirmed, through the services."""
    from app.accounts.service import find_user
    from app.orders import service as orders

    with app.test_request_context():  # the sandbox builds its webhook URL
        session = db.session
        buyer_user, seller_user = find_user(session, buyer), find_user(session, seller)
        order, _created = orders.place_order(session, buyer_user, product_id=product_id, quantity=1,
                                             shipping=SHIPPING)
        orders.pay_in_sandbox(session, buyer_user, order, succeed=True)
        orders.transition_order(session, seller_user, order.id, "ship", tracking="SF1234567")
        done = orders.transition_order(session, buyer_user, order.id, "confirm")
        assert done.status == "completed"


def test_tag_filter(app, client, people, make_note):
    tagged = make_note("camper", title="山上的早晨", body="好冷 #露營", tags="高山")
    plain = make_note("camper", title="山下的早晨", body="好熱")
    drain(app)
    assert set(note_ids(search(client, q="早晨"))) == {tagged, plain}
    html = search(client, q="早晨", tag="露营")  # Simplified tag, Traditional note
    assert note_ids(html) == [tagged]
    assert 'value="露营" maxlength="21" data-testid="filter-tag"' in html
    assert "<details class=\"search-filters\" open" in html  # a filter in use keeps the panel open
    assert note_ids(search(client, q="早晨", tag="#高山")) == [tagged]
    assert note_ids(search(client, tag="高山")) == [tagged]  # a tag alone is a search
    assert 'data-testid="no-results"' in search(client, q="早晨", tag="潛水")


def test_verified_only_keeps_reviews_by_buyers_who_kept_the_product(app, client, people, make_user, make_product,
                                                                     make_note):
    make_user("buyer")
    product = make_product("shop", name="輕量帳篷", price_cents=159000, commission_bps=0)
    hearsay = make_note("camper", title="帳篷開箱", body="朋友的帳篷借來試", product_id=product, rating=5)
    _completed_order(app, "buyer", "shop", product)
    bought = make_note("buyer", title="自己買的帳篷", body="帳篷用了一個月", product_id=product, rating=4)
    drain(app)

    everything = search(client, q="帳篷")
    assert set(note_ids(everything)) == {hearsay, bought}
    assert 'data-testid="verified-badge"' in cards(everything)[bought]
    assert 'data-testid="verified-badge"' not in cards(everything)[hearsay]
    html = search(client, q="帐篷", verified="1")
    assert note_ids(html) == [bought]
    assert 'checked data-testid="filter-verified"' in html


def test_price_filters_in_yuan_and_in_stock_only(app, client, people, make_product):
    cheap = make_product("shop", name="旅行面霜 小樣", price_cents=3900, stock=10)
    middle = make_product("shop", name="經典面霜", price_cents=12900, stock=0)
    dear = make_product("shop", name="頂級面霜", price_cents=88000, stock=2)
    drain(app)

    def found(**params):
        return [int(re.search(r"/products/(\d+)", t).group(1)) for t in tiles(search(client, type="products",
                                                                                      q="面霜", **params))]

    assert set(found()) == {cheap, middle, dear}
    assert set(found(min_price="50")) == {middle, dear}  # 50 yuan is 5000 cents
    assert set(found(max_price="129")) == {cheap, middle}  # bounds are inclusive
    assert set(found(min_price="39", max_price="500.50")) == {cheap, middle}
    assert set(found(in_stock="1")) == {cheap, dear}
    assert set(found(in_stock="1", min_price="50")) == {dear}
    html = search(client, type="products", q="面霜", min_price="50", in_stock="1")
    assert 'value="50" size="7" data-testid="filter-min-price"' in html
    assert 'checked data-testid="filter-in-stock"' in html
    sold_out = next(t for t in tiles(search(client, type="products", q="面霜")) if f"/products/{middle}" in t)
    assert "Sold out" in sold_out or "售" in sold_out


def spread_in_time(app, kind, ids_oldest_first):
    """Give rows made within the same second an hour between each, oldest first: the index keeps
    times to the second, so "newest" has nothing to tell apart otherwise."""
    from datetime import timedelta

    from app.catalog.models import Product
    from app.db import utcnow, write_transaction
    from app.notes.models import Note

    model, column = (Product, "created_at") if kind == "products" else (Note, "published_at")
    with app.app_context(), write_transaction(db.session) as session:
        for age, row_id in enumerate(reversed(ids_oldest_first)):
            setattr(session.get(model, row_id), column, utcnow() - timedelta(hours=age + 1))
        outbox.mark_changed(session, kind, ids_oldest_first)
    drain(app)


def test_sort_select_changes_the_order(app, client, people, make_product, make_note):
    first = make_product("shop", name="露營燈 入門款", price_cents=45000)
    second = make_product("shop", name="露營燈 進階款", price_cents=9900)
    third = make_product("shop", name="露營燈 旗艦款", price_cents=150000)
    spread_in_time(app, "products", [first, second, third])

    def order(**params):
        html = search(client, type="products", q="露營燈", **params)
        return [int(i) for i in re.findall(r'data-testid="product-tile">\s*<a href="/products/(\d+)"', html)], html

    by_price, html = order(sort="price_asc")
    assert by_price == [second, first, third]
    assert re.search(r'<option value="price_asc" selected', html)
    assert order(sort="price_desc")[0] == [third, first, second]
    assert order(sort="newest")[0] == [third, second, first]

    oldest = make_note("camper", title="露營燈推薦", body="露營燈露營燈露營燈，亮度和續航都好")
    middle = make_note("camper", title="露營燈怎麼選", body="先看亮度")
    newest = make_note("camper", title="露營燈", body="露營燈")
    spread_in_time(app, "notes", [oldest, middle, newest])
    html = search(client, q="露营灯", sort="newest")
    assert note_ids(html) == [newest, middle, oldest]
    assert re.search(r'<option value="newest" selected', html)
    assert set(note_ids(search(client, q="露营灯"))) == {oldest, middle, newest}


def test_an_unknown_sort_or_type_falls_back_rather_than_failing(app, client, people, make_note):
    note = make_note("camper", title="露營燈怎麼選", body="先看亮度")
    drain(app)
    assert note_ids(search(client, q="露營燈", sort="price_asc")) == [note]  # not a sort for notes
    assert note_ids(search(client, q="露營燈", type="everything")) == [note]


@pytest.mark.parametrize("params", [
    {"min_price": "abc"},
    {"max_price": "12元"},
    {"min_price": "-5"},
    {"min_price": "99999999999999999999"},
    {"min_price": "100", "max_price": "10"},
    {"type": "products", "min_price": "abc"},
    {"in_stock": "maybe", "type": "products"},
])
def test_a_mistyped_filter_is_a_400_page_that_says_so_with_the_form(app, client, people, make_note, params):
    make_note("camper", title="露營燈怎麼選", body="先看亮度")
    drain(app)
    html = search(client, 400, q="露營燈", **params)
    error = re.search(r'data-testid="search-error">(.*?)</p>', html, re.S)
    assert error and text_of(error.group(1)).strip()
    assert 'data-testid="search-form"' in html and 'value="露營燈"' in html
    assert "<details class=\"search-filters\" open" in html  # the field to fix is in view
    for name, value in params.items():
        if name in ("min_price", "max_price"):
            assert f'value="{value}"' in html  # what was typed stays, to be corrected
    assert 'data-testid="note-card"' not in html


# ---- did you mean ----

def test_did_you_mean_links_to_a_spelling_that_finds_the_note(app, client, people, make_note):
    note = make_note("camper", title="新手清單", body="我的露營裝備：帳篷、睡袋、爐具")
    drain(app)
    html = search(client, q="露營裝被")
    assert note_ids(html) == []
    suggestion = re.search(r'data-testid="did-you-mean">.*?<a href="([^"]+)">(.*?)</a>', html, re.S)
    assert suggestion, html
    assert unescape(suggestion.group(2)) == "露營裝備"
    corrected = client.get(unescape(suggestion.group(1)))
    assert corrected.status_code == 200
    assert note_ids(corrected.get_data(as_text=True)) == [note]
    # Nothing to suggest for a query that finds something, or for nonsense.
    assert 'data-testid="did-you-mean"' not in corrected.get_data(as_text=True)
    assert 'data-testid="did-you-mean"' not in search(client, q="量子力學")


def test_did_you_mean_knows_words_that_are_only_in_a_title(app, client, people, make_note):
    note = make_note("camper", title="露營裝備清單", body="帳篷、睡袋、爐具")
    drain(app)
    html = search(client, q="露营装被")  # misspelt, and in Simplified
    suggestion = re.search(r'data-testid="did-you-mean">.*?<a href="([^"]+)">(.*?)</a>', html, re.S)
    assert suggestion and unescape(suggestion.group(2)) == "露营装备"  # written the way the reader writes
    assert note_ids(client.get(unescape(suggestion.group(1))).get_data(as_text=True)) == [note]


# ---- what must never be found ----

def test_hidden_deleted_draft_and_suspended_notes_never_appear(app, client, make_user, make_note):
    from app.accounts.service import find_user, make_admin
    from app.moderation import service as moderation
    from app.notes import service as notes
    make_user("writer")
    make_user("spammer")
    make_user("mod")
    with app.app_context():
        make_admin(db.session, "mod")
    shown = make_note("writer", title="露營咖啡 手沖", body="山上的咖啡")
    hidden = make_note("writer", title="露營咖啡 代購", body="私訊我")
    deleted = make_note("writer", title="露營咖啡 舊文", body="刪掉了")
    draft = make_note("writer", title="露營咖啡 草稿", body="還沒寫完", draft=True)
    suspended = make_note("spammer", title="露營咖啡 便宜賣", body="加我")
    drain(app)
    assert set(note_ids(search(client, q="露营咖啡"))) == {shown, hidden, deleted, suspended}

    with app.app_context():
        session = db.session
        mod = find_user(session, "mod")
        moderation.hide(session, mod, "note", hidden, "廣告洗版")
        writer = find_user(session, "writer")
        notes.delete_note(session, writer, notes.get_own_note(session, deleted, writer))
        moderation.suspend(session, mod, find_user(session, "spammer"), "詐騙")
    drain(app)

    for params in ({"q": "露营咖啡"}, {"q": "露營咖啡", "sort": "newest"}, {"q": "咖啡"}):
        assert note_ids(search(client, **params)) == [shown]
    assert 'data-testid="person"' not in search(client, q="spammer", type="users")
    # Not even their authors find them through search.
    client.post("/login", data={"username": "writer", "password": "correct horse battery"})
    assert note_ids(search(client, q="露营咖啡")) == [shown]
    assert draft not in note_ids(search(client, q="草稿"))


def test_the_page_filters_rows_the_index_has_not_caught_up_with(app, client, make_user, make_note):
    """Between a change and its drain the index may still hold a hidden note: the page drops it."""
    from app.accounts.service import find_user, make_admin
    from app.moderation import service as moderation

    make_user("writer")
    make_user("mod")
    with app.app_context():
        make_admin(db.session, "mod")
    shown = make_note("writer", title="露營咖啡 手沖", body="山上的咖啡")
    hidden = make_note("writer", title="露營咖啡 代購", body="私訊我")
    drain(app)
    with app.app_context():
        moderation.hide(db.session, find_user(db.session, "mod"), "note", hidden, "廣告洗版")
    assert note_ids(search(client, q="露營咖啡")) == [shown]  # not drained yet


# ---- pages ----

def test_next_page_gives_the_rest_without_duplicates_and_partial_is_just_the_cards(app, client, make_user,
                                                                                    make_note):
    make_user("hiker")
    made = {make_note("hiker", title=f"登山步道 第{i}條", body=f"步道紀錄 {i}", images=1) for i in range(25)}
    drain(app)

    first = search(client, q="步道")
    first_ids = note_ids(first)
    assert len(first_ids) == 20 and len(set(first_ids)) == 20
    link = re.search(r'href="([^"]+)"[^>]*data-testid="next-page"', first).group(1)
    second = client.get(unescape(link))
    assert second.status_code == 200
    second_ids = note_ids(second.get_data(as_text=True))
    assert len(second_ids) == 5
    assert set(first_ids).isdisjoint(second_ids) and set(first_ids) | set(second_ids) == made
    assert 'data-testid="next-page"' not in second.get_data(as_text=True)

    partial = search(client, q="步道", partial="1", cursor=re.search(r"cursor=([^&]+)", unescape(link)).group(1))
    assert note_ids(partial) == second_ids
    assert "<html" not in partial.lower() and 'data-testid="search-form"' not in partial
    assert 'data-testid="topbar-search"' not in partial
    fragment = search(client, q="步道", partial="1")
    assert note_ids(fragment) == first_ids
    more = re.search(r'href="([^"]+)"[^>]*data-testid="next-page"', fragment).group(1)
    assert "partial" not in unescape(more)  # the link works without script too


def test_a_forged_cursor_is_not_a_500(app, client, make_user, make_note):
    make_user("hiker")
    make_note("hiker", title="登山步道", body="紀錄")
    drain(app)
    for cursor in ("garbage", "%%%", "eyJ4IjoxfQ", "A" * 500):
        response = client.get("/search", query_string={"q": "步道", "cursor": cursor})
        assert response.status_code in (200, 400), cursor


def test_queries_per_page_do_not_grow_with_the_results(app, client, make_user, make_note, make_product,
                                                      count_queries):
    make_user("hiker")
    make_user("seller")
    product = make_product("seller", name="登山杖", commission_bps=1000)
    for i in range(3):
        make_note("hiker", title=f"小徑 {i}", body="短短的小徑", product_id=product, rating=4)
    for i in range(22):
        make_note("hiker", title=f"長路 {i}", body="長長的長路", product_id=product if i % 2 else None,
                  rating=4 if i % 2 else None)
    drain(app)
    client.post("/login", data={"username": "seller", "password": "correct horse battery"})

    def queries(q):
        search(client, q=q)  # warm: the first request of a session loads more
        before = count_queries.count
        html = search(client, q=q)
        return count_queries.count - before, len(note_ids(html))

    few, few_found = queries("小徑")
    many, many_found = queries("長路")
    assert (few_found, many_found) == (3, 20)
    assert many == few, count_queries.statements[-many:]


# ---- nothing typed breaks the page ----

@pytest.mark.parametrize("q", [
    "", " ", "x" * 10_000, "口紅" * 5000, '"unbalanced', "title:*", "*a*", "\x00", "口紅\x00", "💄💋",
    "口紅💄", "!!!...,,,", "？！。，、", "#", "＃", "# #", "AND OR NOT", "(", ")", "\\", "'; DROP TABLE notes;--",
    "%", "_", "a" * 201, "\u200b", "\ufeff口紅", "\U00020000",
])
@pytest.mark.parametrize("kind", ["notes", "products", "users"])
def test_garbage_queries_never_fail(app, client, people, make_note, make_product, q, kind):
    make_note("lipstick_fan", title="口紅試色", body="三支口紅比較 #口紅")
    make_product("shop", name="絲絨口紅")
    drain(app)
    response = client.get("/search", query_string={"q": q, "type": kind})
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    html = response.get_data(as_text=True)
    assert 'data-testid="search-form"' in html
    assert "\x00" not in html  # echoed in the box and the title without control characters
    typed = unescape(re.search(r'id="search-page-q" type="search" name="q" value="([^"]*)"', html).group(1))
    assert len(typed) <= 200  # no more of a paste than was read, as the box's maxlength allows
    assert len(unescape(re.search(r"<title>(.*?)</title>", html, re.S).group(1))) < 300
    assert client.get("/search", query_string={"q": q, "type": kind, "partial": "1"}).status_code == 200
    assert client.get("/api/v1/search", query_string={"q": q, "type": kind}).status_code == 200
    assert client.get("/api/v1/search/suggest", query_string={"q": q}).status_code == 200


def test_a_raw_nul_in_the_url_is_not_a_500(app, client, people, make_note):
    make_note("lipstick_fan", title="口紅試色", body="三支口紅比較")
    drain(app)
    for url in ("/search?q=%00", "/search?q=%E5%8F%A3%E7%BA%A2%00", "/search?q=%FF%FE", "/search?q=%",
                "/search?tag=%00", "/search?q=a&tag=%23", "/search?q=%23", "/search?min_price=%00&q=a"):
        response = client.get(url)
        assert response.status_code in (200, 400), (url, response.status_code)
