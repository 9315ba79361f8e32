"""The creator dashboard, its CSV exports and its API, on a world seeded through the real services:
follows on several days, notes with likes, collects and comments, orders through a note (one
completed, one paid, one refunded, one never paid), a referral reward, and share links passed on
from person to person. Plus page-view counting on the note page."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from sqlalchemy import event, select, update

from app.accounts.models import User
from app.db import db, utcnow, write_transaction
from app.notes import service as notes_service
from app.notes.models import Note
from app.orders import service as orders
from app.sharing import service as sharing
from app.sharing.charts import truncate
from app.social import service as social
from app.social.models import Follow

SHIPPING = {"name": "王小明", "phone": "0912345678", "address": "台北市信義區松仁路100號"}
INJECTION_TITLE = '=HYPERLINK("http://evil.example","點我")'
PRICE, COMMISSION_BPS = 9900, 1000
SVG_NS = "{http://www.w3.org/2000/svg}"


def _user(session, username: str) -> User:
    return session.scalar(select(User).where(User.username == username))


def _buy(session, buyer, product_id, note_id, *, link=None, quantity=1, pay=True):
    order, _created = orders.place_order(session, buyer, product_id=product_id, quantity=quantity, note_id=note_id,
                                         shipping=SHIPPING, extras=orders.Extras(share_link=link))
    if pay:
        orders.pay_in_sandbox(session, buyer, order, succeed=True)
    return order


def _follow_days_ago(session, follower, followee, days: int) -> None:
    social.follow(session, follower, followee)
    with write_transaction(session):
        session.execute(update(Follow).where(Follow.follower_id == follower.id, Follow.followee_id == followee.id)
                        .values(created_at=utcnow() - timedelta(days=days)))


@pytest.fixture
def world(app, make_user, make_note, make_product):
    """``creator`` wrote three notes (one reviews ``seller``'s product, paying 10%) and shared two
    things; the share of the note was passed on twice. ``other`` has a note, fans and shares that
    must never show on the creator's dashboard."""
    creator = make_user("creator", display_name="種草達人")
    seller = make_user("seller")
    for name in ("fan_old", "fan1", "fan2", "fan3", "sharer2", "sharer3", "buyer3", "refunder", "lazy", "other"):
        make_user(name, display_name=f"{name}名")
    product_id = make_product(seller, price_cents=PRICE, stock=50, commission_bps=COMMISSION_BPS)
    note_a = make_note(creator, title="保溫杯評測", product_id=product_id, rating=5)
    note_b = make_note(creator, title=INJECTION_TITLE)
    note_c = make_note(creator, title="+SUM(1,2) 露營清單")
    other_note = make_note("other", title="別人的秘密筆記")
    ids = {"product": product_id, "a": note_a, "b": note_b, "c": note_c, "other_note": other_note}

    with app.test_request_context():  # checkout builds the sandbox's payment URL
        s = db.session
        u = {name: _user(s, name) for name in ("creator", "seller", "fan_old", "fan1", "fan2", "fan3", "sharer2",
                                                "sharer3", "buyer3", "refunder", "lazy", "other")}
        # Fans: one long before the 90 days, two ten days ago, one three days ago, one today.
        _follow_days_ago(s, u["fan_old"], u["creator"], 200)
        _follow_days_ago(s, u["fan1"], u["creator"], 10)
        _follow_days_ago(s, u["fan2"], u["creator"], 10)
        _follow_days_ago(s, u["fan3"], u["creator"], 3)
        social.follow(s, u["sharer2"], u["creator"])
        social.follow(s, u["fan1"], u["other"])  # someone else's fan

        a, b, c = (s.get(Note, ids[key]) for key in ("a", "b", "c"))
        for fan in ("fan1", "fan2", "fan3"):
            social.like(s, u[fan], a)
        social.like(s, u["fan1"], b)
        social.collect(s, u["fan1"], a)
        social.collect(s, u["fan2"], c)
        social.add_comment(s, u["fan2"], a, "好用嗎？")
        social.add_comment(s, u["fan3"], c, "收藏了")

        # The spread: creator -> sharer2 (note and, arriving the same way, the product) -> sharer3 -> buyer3.
        l1 = sharing.share(s, u["creator"], "note", ids["a"])
        l4 = sharing.share(s, u["creator"], "profile", u["creator"].id)
        _l, touch_2 = sharing.visit(s, l1.code, u["sharer2"], None)
        l2 = sharing.share(s, u["sharer2"], "note", ids["a"], touch=touch_2)
        l2b = sharing.share(s, u["sharer2"], "product", product_id, touch=touch_2)
        _l, touch_3 = sharing.visit(s, l2.code, u["sharer3"], None)
        l3 = sharing.share(s, u["sharer3"], "note", ids["a"], touch=touch_3)
        _l, touch_buyer3 = sharing.visit(s, l3.code, u["buyer3"], None)
        _l, touch_new = sharing.visit(s, l1.code, None, None)
        newbie = make_user("newbie", display_name="新人")
        sharing.record_signup(s, newbie, touch_new)
        other_link = sharing.share(s, u["other"], "note", other_note)
        _l, touch_other = sharing.visit(s, other_link.code, u["fan3"], None)
        sharing.share(s, u["fan3"], "note", other_note, touch=touch_other)

        # Orders through note A: newbie 2 units completed (a referral reward once the window passes),
        # buyer3 1 unit paid, refunder 1 unit refunded, lazy never pays; one sale not through a note.
        completed = _buy(s, newbie, product_id, ids["a"], link=sharing.attribution(s, touch_new, newbie), quantity=2)
        orders.transition_order(s, u["seller"], completed.id, "ship", tracking="SF1")
        completed = orders.transition_order(s, newbie, completed.id, "confirm")
        _buy(s, u["buyer3"], product_id, ids["a"], link=sharing.attribution(s, touch_buyer3, u["buyer3"]))
        refunded = _buy(s, u["refunder"], product_id, ids["a"], link=l2)
        orders.transition_order(s, u["seller"], refunded.id, "refund")
        _buy(s, u["lazy"], product_id, ids["a"], pay=False)
        _buy(s, u["fan1"], product_id, None)
        window = timedelta(days=app.config["REFUND_WINDOW_DAYS"], seconds=1)
        assert sharing.settle_rewards(s, now=completed.completed_at + window) == 1
        ids.update(l1=l1.code, l2=l2.code, l2b=l2b.code, l3=l3.code, l4=l4.code, other_link=other_link.code,
                   completed=completed.id, refunded=refunded.id, creator=u["creator"].id)
    return ids


def _svgs(html: str) -> dict[str, list[ET.Element]]:
    """Every inline SVG of the page, parsed as XML (so each is well-formed), by the data-testid of
    the figure holding it (chart-fans, chart-views, chart-engagement, chart-commission, chart-tree)."""
    found: dict[str, list[ET.Element]] = {}
    for testid, source in re.findall(r'<figure [^>]*data-testid="chart-([a-z]+)">(<svg\b.*?</svg>)</figure>', html,
                                     flags=re.S):
        found.setdefault(testid, []).append(ET.fromstring(source))  # noqa: S314 (our own page's output)
    assert len(re.findall(r"<svg\b", html)) == sum(len(svgs) for svgs in found.values())
    return found


def _role(svg: ET.Element, role: str) -> list[ET.Element]:
    return [element for element in svg.iter() if element.get("data-role") == role]


def _line_values(svg: ET.Element) -> list[float]:
    """Read the line chart back into numbers through its own y axis."""
    ticks = sorted((float(t.get("y")), int(t.text.replace(",", ""))) for t in _role(svg, "y-tick"))
    (y_top, v_top), (y_bottom, v_bottom) = ticks[0], ticks[-1]
    points = [tuple(map(float, pair.split(","))) for pair in _role(svg, "line")[0].get("points").split()]
    values = [v_bottom + (y_bottom - y) / (y_bottom - y_top) * (v_top - v_bottom) for _x, y in points]
    assert all(abs(value - round(value)) < 0.05 for value in values)  # coordinates have one decimal
    return [round(value) for value in values]


def _rows(svg: ET.Element) -> list[tuple[str, int]]:
    rows = []
    for row in _role(svg, "row"):
        label = next(e for e in row.iter() if e.get("data-role") == "label")
        rows.append((label.text, int(row.get("data-total"))))
    return rows


def _view_note(app, note_id: int, times: int = 1) -> None:
    """A fresh anonymous visitor (own session cookie) opens the note page ``times`` times."""
    client = app.test_client()
    for _ in range(times):
        assert client.get(f"/notes/{note_id}").status_code == 200


# ---- the page ----

def test_dashboard_draws_the_seeded_figures_as_svg_charts(app, client, auth, world):
    _view_note(app, world["a"], times=3)  # one visitor, one session: one view
    _view_note(app, world["a"])
    _view_note(app, world["b"])
    auth.login("creator")
    response = client.get("/me/dashboard")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    charts = _svgs(html)

    [fans] = charts["fans"]
    expected = [1] * 79 + [3] * 7 + [4] * 3 + [5]  # 90 days: before, ten days ago, three days ago, today
    assert _line_values(fans) == expected

    [views] = charts["views"]
    assert _rows(views) == [("保溫杯評測", 2), (truncate(INJECTION_TITLE, 20), 1)]
    [engagement] = charts["engagement"]
    segments = {label: [int(r.get("data-value")) for r in row.iter() if r.get("data-role") == "bar"]
                for row in _role(engagement, "row")
                for label in [next(e.text for e in row.iter() if e.get("data-role") == "label")]}
    assert segments == {"保溫杯評測": [3, 1, 1], truncate("+SUM(1,2) 露營清單", 20): [0, 1, 1],
                        truncate(INJECTION_TITLE, 20): [1, 0, 0]}

    [commission] = charts["commission"]
    # 2 + 1 units kept at 10% of 99.00; the refunded unit's commission is reversed.
    assert _rows(commission) == [("保溫杯評測", 3 * PRICE * COMMISSION_BPS // 10_000)]
    assert "29.70" in "".join(_role(commission, "value")[0].itertext())

    trees = charts["tree"]
    assert len(trees) == 2  # the note's spread (with buyers) first, then the profile share
    nodes = _role(trees[0], "node")
    labels = [next(e.text for e in n.iter() if e.get("data-role") == "label") for n in nodes]
    stats = [next(e.text for e in n.iter() if e.get("data-role") == "stats") for n in nodes]
    assert labels == ["種草達人", "sharer2名", "sharer2名", "sharer3名"]
    # visits · sign-ups · buyers: newbie signed up and bought through the root; buyer3 through sharer3's
    # link; the refunded buyer through sharer2's counts for nothing.
    assert stats == ["2 · 1 · 1", "1 · 0 · 0", "0 · 0 · 0", "1 · 0 · 1"]
    assert len(_role(trees[0], "edge")) == 3
    assert "保溫杯評測" in trees[0].get("aria-label")
    assert [n.get("data-buyers") for n in _role(trees[1], "node")] == ["0"]

    rewards = re.findall(r'data-testid="reward-total" data-currency="CNY" data-cents="(\d+)"', html)
    assert rewards == [str(app.config["REFERRAL_FIRST_ORDER_CREDIT_CENTS"])]
    assert 'data-testid="total-fans">5<' in html
    # The hostile title is text inside the SVG, never markup.
    assert "<a" not in "".join(ET.tostring(svg, encoding="unicode") for kind in charts.values() for svg in kind)


def test_nobody_else_s_data_is_shown(app, client, auth, world):
    auth.login("creator")
    html = client.get("/me/dashboard").get_data(as_text=True)
    assert "別人的秘密筆記" not in html and "other名" not in html and "fan3名" not in html
    assert "別人的秘密筆記" not in client.get("/me/dashboard/notes.csv").get_data(as_text=True)

    auth.logout()
    auth.login("other")
    html = client.get("/me/dashboard").get_data(as_text=True)
    assert "保溫杯評測" not in html and "種草達人" not in html
    charts = _svgs(html)
    assert len(_role(charts["tree"][0], "node")) == 2  # other's link and fan3's re-share, nothing more
    assert 'data-testid="total-fans">1<' in html
    notes_csv = client.get("/me/dashboard/notes.csv").get_data(as_text=True)
    assert "別人的秘密筆記" in notes_csv and "保溫杯評測" not in notes_csv
    assert len(_csv(client.get("/me/dashboard/earnings.csv"))) == 1  # the header only


def test_dashboard_and_exports_need_a_login(client):
    for path in ("/me/dashboard", "/me/dashboard/notes.csv", "/me/dashboard/earnings.csv"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_the_user_menu_links_the_dashboard(client, auth, make_user):
    make_user("menu_user")
    assert 'data-testid="nav-dashboard"' not in client.get("/").get_data(as_text=True)
    auth.login("menu_user")
    page = client.get("/").get_data(as_text=True)
    assert re.search(r'href="/me/dashboard"[^>]*data-testid="nav-dashboard"', page)


def test_an_empty_account_gets_empty_charts(client, auth, make_user):
    make_user("newcomer")
    auth.login("newcomer")
    html = client.get("/me/dashboard").get_data(as_text=True)
    charts = _svgs(html)
    assert _line_values(charts["fans"][0]) == [0] * 90
    assert len(_role(charts["tree"][0], "empty")) == 1
    assert all(_role(charts[kind][0], "empty") for kind in ("views", "engagement", "commission"))


def test_the_dashboard_takes_a_fixed_number_of_queries(app, client, auth, world, make_user, make_note,
                                                       count_queries):
    auth.login("creator")
    count_queries.statements.clear()
    assert client.get("/me/dashboard").status_code == 200
    before = count_queries.count

    # More of everything: notes with reactions, fans, and a deeper, wider spread.
    more = [(make_note("creator", title=f"更多筆記{index}"), make_user(f"late_fan{index}")) for index in range(4)]
    with app.test_request_context():
        s = db.session
        creator = _user(s, "creator")
        code = world["l3"]
        for note_id, fan in more:
            note = s.get(Note, note_id)
            social.follow(s, fan, creator)
            social.like(s, fan, note)
            _l, touch = sharing.visit(s, code, fan, None)
            code = sharing.share(s, fan, "note", world["a"], touch=touch).code
        sharing.share(s, creator, "note", world["c"])  # a second root
    count_queries.statements.clear()
    html = client.get("/me/dashboard").get_data(as_text=True)
    assert count_queries.count == before, count_queries.statements
    assert before <= 15  # 12 today: the user, the badge, and one grouped query per figure
    assert len(_role(_svgs(html)["tree"][0], "node")) == 8  # the chain grew four deeper


# ---- CSV ----

def _csv(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith("\ufeff".encode()), "UTF-8 with a BOM, so Excel reads Chinese"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def test_notes_csv_has_one_row_per_note_and_defuses_formulas(app, client, auth, world):
    _view_note(app, world["a"])
    auth.login("creator")
    response = client.get("/me/dashboard/notes.csv")
    assert response.status_code == 200
    assert response.content_type == "text/csv; charset=utf-8"
    disposition = response.headers["Content-Disposition"]
    assert re.fullmatch(r'attachment; filename="zhongcao-notes-creator-\d{8}\.csv"', disposition)
    header, *rows = _csv(response)
    assert header == ["id", "title", "created_at", "views", "likes", "collects", "comments", "units_sold",
                      "sales_cents", "commission_cents", "currency"]
    by_id = {int(row[0]): row for row in rows}
    assert set(by_id) == {world["a"], world["b"], world["c"]}
    assert by_id[world["a"]][1:2] + by_id[world["a"]][3:] == [
        "保溫杯評測", "1", "3", "1", "1", "3", str(3 * PRICE), str(3 * PRICE * COMMISSION_BPS // 10_000), "CNY"]
    assert by_id[world["b"]][1] == "'" + INJECTION_TITLE  # a spreadsheet shows it as text, never runs it
    assert by_id[world["c"]][1] == "'+SUM(1,2) 露營清單"
    assert by_id[world["b"]][3:] == ["0", "1", "0", "0", "0", "0", "0", ""]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", by_id[world["b"]][2])


def test_earnings_csv_lists_the_creator_s_ledger_rows(app, client, auth, world):
    auth.login("creator")
    response = client.get("/me/dashboard/earnings.csv")
    assert re.fullmatch(r'attachment; filename="zhongcao-earnings-creator-\d{8}\.csv"',
                        response.headers["Content-Disposition"])
    header, *rows = _csv(response)
    assert header == ["date", "order_id", "note_id", "kind", "amount_cents", "currency"]
    unit = PRICE * COMMISSION_BPS // 10_000
    got = sorted((int(r[1]), r[2], r[3], int(r[4]), r[5]) for r in rows)
    note = str(world["a"])
    completed, refunded = world["completed"], world["refunded"]
    expected = sorted([
        (completed, note, "creator_commission", 2 * unit, "CNY"),
        (completed, note, "referral_reward", app.config["REFERRAL_FIRST_ORDER_CREDIT_CENTS"], "CNY"),
        (refunded, note, "creator_commission", unit, "CNY"),
        (refunded, note, "creator_commission_reversal", -unit, "CNY"),
    ] + [(order_id, note, "creator_commission", unit, "CNY") for order_id in {int(r[1]) for r in rows}
         - {completed, refunded}])
    assert got == expected and len(rows) == 5
    # A negative amount is a number, not a formula: it is written as it is.
    assert any(r[4] == str(-unit) for r in rows)


# ---- API ----

def test_api_dashboard_returns_the_same_figures(app, client, world, api_token):
    _view_note(app, world["a"])
    response = client.get("/api/v1/me/dashboard", headers={"Authorization": f"Bearer {api_token('creator')}"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["fans"]["followers"] == 5 and len(body["fans"]["series"]) == 90
    assert body["fans"]["series"][-12]["followers"] == 1 and body["fans"]["series"][-11]["followers"] == 3
    notes = {note["id"]: note for note in body["notes"]}
    assert set(notes) == {world["a"], world["b"], world["c"]}
    a = notes[world["a"]]
    assert (a["views"], a["likes"], a["collects"], a["comments"]) == (1, 3, 1, 1)
    assert a["sales"] == [{"currency": "CNY", "units_sold": 3, "sales_cents": 3 * PRICE,
                           "commission_cents": 3 * PRICE * COMMISSION_BPS // 10_000}]
    assert notes[world["b"]]["title"] == INJECTION_TITLE and notes[world["b"]]["sales"] == []
    assert body["rewards"]["totals"] == [{"currency": "CNY",
                                          "amount_cents": app.config["REFERRAL_FIRST_ORDER_CREDIT_CENTS"]}]
    assert [r["kind"] for r in body["rewards"]["items"]] == ["first_order"]

    first, second = body["trees"]
    assert (first["code"], first["kind"], first["id"]) == (world["l1"], "note", world["a"])
    assert first["title"] == "保溫杯評測"
    assert (first["people"], first["visits"], first["signups"], first["buyers"]) == (4, 4, 1, 2)

    def shape(node):
        return [node["user"]["username"], node["visits"], node["signups"], node["buyers"],
                [shape(child) for child in node["children"]]]

    assert shape(first["root"]) == ["creator", 2, 1, 1, [["sharer2", 1, 0, 0, [["sharer3", 1, 0, 1, []]]],
                                                         ["sharer2", 0, 0, 0, []]]]
    assert (second["code"], second["kind"], second["title"]) == (world["l4"], "profile", "種草達人")


def test_api_dashboard_needs_a_token(client):
    response = client.get("/api/v1/me/dashboard")
    assert response.status_code == 401 and response.get_json()["error"]["code"]


def test_the_openapi_document_describes_the_dashboard(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/me/dashboard"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Dashboard"}
    node = document["components"]["schemas"]["ShareTreeNode"]
    assert node["properties"]["children"]["items"] == {"$ref": "#/components/schemas/ShareTreeNode"}


# ---- view counting ----

def _views(app, note_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(Note.view_count).where(Note.id == note_id))


def test_a_view_counts_once_per_session_and_never_for_the_author(app, client, auth, make_user, make_note):
    make_user("author")
    make_user("reader")
    note_id = make_note("author", title="看一次")
    auth.login("author")
    for _ in range(3):
        assert client.get(f"/notes/{note_id}").status_code == 200
    assert _views(app, note_id) == 0  # the author's own visits

    reader = app.test_client()
    reader.post("/login", data={"username": "reader", "password": "correct horse battery"})
    for _ in range(3):
        reader.get(f"/notes/{note_id}")
    assert _views(app, note_id) == 1
    _view_note(app, note_id, times=2)  # an anonymous visitor has a session of their own
    assert _views(app, note_id) == 2
    with reader.session_transaction() as session:
        assert session["viewed_notes"] == [note_id]


def test_the_session_remembers_only_the_last_fifty_notes(app, make_user, make_note):
    make_user("author50")
    note_id = make_note("author50")
    with app.test_request_context():
        note = db.session.get(Note, note_id)
        remembered = notes_service.count_view(db.session, note, None, list(range(10_000, 10_050)))
        assert remembered == list(range(10_001, 10_050)) + [note_id]
        assert notes_service.count_view(db.session, note, None, remembered) is None  # seen in this session
        assert notes_service.count_view(db.session, note, None, "garbage") == [note_id]  # a bad cookie value
    assert _views(app, note_id) == 2


def test_a_busy_database_never_breaks_the_note_page(app, make_user, make_note):
    with app.app_context():
        engine = db.engine_for_app
    if engine.dialect.name != "sqlite":
        pytest.skip("holds SQLite's write lock from another connection")
    make_user("busy_author")
    note_id = make_note("busy_author", title="忙碌")

    def short_wait(dbapi_connection, _record, _proxy):
        dbapi_connection.execute("PRAGMA busy_timeout = 50")

    event.listen(engine, "checkout", short_wait)
    blocker = sqlite3.connect(engine.url.database, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")  # another process is writing
        visitor = app.test_client()
        response = visitor.get(f"/notes/{note_id}")
        assert response.status_code == 200 and "忙碌" in response.get_data(as_text=True)
        blocker.execute("ROLLBACK")
        assert _views(app, note_id) == 0
        visitor.get(f"/notes/{note_id}")  # not remembered as counted, so the next visit counts
        assert _views(app, note_id) == 1
    finally:
        blocker.close()
        event.remove(engine, "checkout", short_wait)
        engine.dispose()  # no pooled connection keeps the short timeout


def test_api_dashboard_matches_its_documented_schema(app, world, api_token):
    """The seeded world has what the schemathesis run lacks: nested trees, rewards, sales."""
    import schemathesis
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    from app.api.openapi import document

    operation = schemathesis.openapi.from_dict(document())["/api/v1/me/dashboard"]["GET"]
    case = operation.Case(headers={"Authorization": f"Bearer {api_token('creator')}"})
    response = case.call_and_validate(app=app, checks=[not_a_server_error, status_code_conformance,
                                                       content_type_conformance, response_schema_conformance])
    assert response.status_code == 200 and response.json()["trees"][0]["root"]["children"]


def test_the_dashboard_fits_a_phone(world, phone_page, artifacts_dir):
    """On a 390 px phone the charts shrink to the screen (viewBox, width 100%); the share trees
    keep their size and scroll sideways inside their own box, never the page."""
    page = phone_page
    page.goto("/login")
    page.get_by_test_id("username").fill("creator")
    page.get_by_test_id("password").fill("correct horse battery")
    page.get_by_test_id("submit").click()
    page.wait_for_url(re.compile(r".*/$"))
    page.get_by_test_id("nav-dashboard").click()
    page.wait_for_url(re.compile(r".*/me/dashboard$"))
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    for testid in ("chart-fans", "chart-views", "chart-engagement", "chart-commission"):
        box = page.get_by_test_id(testid).locator("svg").bounding_box()
        assert 300 <= box["width"] <= 390, (testid, box)
    tree = page.get_by_test_id("chart-tree").first
    assert tree.bounding_box()["width"] <= 390
    assert tree.evaluate("figure => figure.scrollWidth > figure.clientWidth")  # three levels: it scrolls
    page.screenshot(path=str(artifacts_dir / "dashboard-phone.png"), full_page=True)
