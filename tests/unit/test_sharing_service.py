"""Sharing through the real services on a real database: share links and first touch,
referrals and the rewards they earn (once, after the refund window, one level deep), credit and
vouchers at checkout, and group buys that fill, expire and never overfill."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from app.accounts.models import User
from app.catalog.models import Product
from app.db import db, utcnow, write_transaction
from app.errors import Conflict, Invalid
from app.orders import service as orders
from app.orders.models import LedgerEntry, Order
from app.sharing import groups
from app.sharing import service as sharing
from app.sharing.models import GroupBuy, GroupMember, Referral, Reward, Voucher
from tests.servers import concurrently

SHIPPING = {"name": "王小明", "phone": "0912345678", "address": "台北市信義區松仁路100號"}
LATER = timedelta(days=30)


@pytest.fixture
def ctx(app):
    with app.test_request_context():  # start_payment builds the sandbox's checkout URL
        yield db.session


def _buy(session, buyer, product_id, *, pay=True, **kwargs):
    order, _created = orders.place_order(session, buyer, product_id=product_id, quantity=kwargs.pop("quantity", 1),
                                         shipping=SHIPPING, **kwargs)
    if pay:
        orders.pay_in_sandbox(session, buyer, order, succeed=True)
    return session.get(Order, order.id)


def _complete(session, seller, buyer, order):
    orders.transition_order(session, seller, order.id, "ship", tracking="SF123")
    return orders.transition_order(session, buyer, order.id, "confirm")


def _write(session, statement) -> None:
    with write_transaction(session):
        session.execute(statement)


def _ledger(session, **where) -> list[tuple]:
    query = select(LedgerEntry.kind, LedgerEntry.user_id, LedgerEntry.amount_cents).order_by(LedgerEntry.id)
    for name, value in where.items():
        query = query.where(getattr(LedgerEntry, name) == value)
    return list(session.execute(query))


def _sums_per_order(session) -> set[int]:
    return set(session.scalars(select(func.sum(LedgerEntry.amount_cents)).group_by(LedgerEntry.order_id)))


def _referred_buyer(session, make_user, make_note, make_product, name="newbie"):
    """creator shares a note about seller's product; ``name`` signs up through the link."""
    seller, creator = make_user(f"{name}_seller"), make_user(f"{name}_creator")
    product_id = make_product(seller, price_cents=9900, stock=10, commission_bps=1000)
    note_id = make_note(creator, product_id=product_id, rating=5)
    link = sharing.share(session, creator, "note", note_id)
    _link, touch = sharing.visit(session, link.code, None, None)
    buyer = make_user(name)
    referral = sharing.record_signup(session, buyer, touch)
    return seller, creator, buyer, product_id, note_id, link, touch, referral


# ---- links and first touch ----

def test_share_is_idempotent_and_counts_visits_but_not_the_sharers_own(ctx, make_user, make_note):
    creator, reader = make_user("sharer"), make_user("reader")
    note_id = make_note(creator)
    first = sharing.share(ctx, creator, "note", note_id)
    assert sharing.share(ctx, creator, "note", note_id).id == first.id
    assert len(first.code) == sharing.CODE_LENGTH

    _link, own_touch = sharing.visit(ctx, first.code, creator, None)
    assert own_touch is None  # nobody is referred by their own link
    _link, touch = sharing.visit(ctx, first.code, reader, None)
    _link, _touch = sharing.visit(ctx, first.code, None, None)
    ctx.refresh(first)
    assert first.visit_count == 2 and touch.code == first.code


def test_first_touch_wins_within_the_window_and_expires_after_it(ctx, app, make_user, make_note):
    a, b = make_user("first_a"), make_user("first_b")
    link_a = sharing.share(ctx, a, "note", make_note(a))
    link_b = sharing.share(ctx, b, "note", make_note(b))
    _l, touch = sharing.visit(ctx, link_a.code, None, None)
    _l, kept = sharing.visit(ctx, link_b.code, None, touch)
    assert kept == touch  # the later link does not replace the first

    stale = sharing.Touch(link_a.code, utcnow() - timedelta(days=app.config["REFERRAL_WINDOW_DAYS"], seconds=1))
    _l, replaced = sharing.visit(ctx, link_b.code, None, stale)
    assert replaced.code == link_b.code
    assert sharing.attribution(ctx, stale, make_user("late_buyer")) is None


@pytest.mark.parametrize("kind, target", [("note", 10**9), ("product", 10**9), ("profile", 10**9), ("group", 10**9),
                                          ("shop", 1), ("note", "x"), ("note", True), ("note", -1)])
def test_share_refuses_what_does_not_exist(ctx, make_user, kind, target):
    with pytest.raises((Invalid, orders.NotFound)):
        sharing.share(ctx, make_user("sharer_bad"), kind, target)


def test_a_draft_cannot_be_shared(ctx, make_user, make_note):
    author = make_user("drafty")
    with pytest.raises(orders.NotFound):
        sharing.share(ctx, author, "note", make_note(author, draft=True))


# ---- referrals and rewards ----

def test_referred_first_order_pays_the_referrer_once_after_the_refund_window(
        ctx, app, make_user, make_note, make_product):
    seller, creator, buyer, product_id, note_id, link, touch, referral = _referred_buyer(
        ctx, make_user, make_note, make_product)
    assert referral.referrer_id == creator.id and referral.link_id == link.id

    order = _buy(ctx, buyer, product_id, note_id=note_id,
                 extras=orders.Extras(share_link=sharing.attribution(ctx, touch, buyer)))
    assert (order.referrer_id, order.share_link_id) == (creator.id, link.id)
    assert sharing.referral_summary(ctx, creator).pending_cents == 2000

    assert sharing.settle_rewards(ctx) == 0  # paid, not completed
    order = _complete(ctx, seller, buyer, order)
    assert sharing.settle_rewards(ctx) == 0  # completed, refund window still open
    window = timedelta(days=app.config["REFUND_WINDOW_DAYS"])
    assert sharing.settle_rewards(ctx, now=order.completed_at + window - timedelta(seconds=1)) == 0
    assert sharing.settle_rewards(ctx, now=order.completed_at + window + timedelta(seconds=1)) == 1
    assert sharing.settle_rewards(ctx, now=utcnow() + LATER) == 0  # run again: nothing more

    rewards = _ledger(ctx, kind="referral_reward")
    assert rewards == [("referral_reward", creator.id, 2000)]
    assert _ledger(ctx, kind="referral_reward_cost") == [("referral_reward_cost", None, -2000)]
    assert _sums_per_order(ctx) == {0}
    summary = sharing.referral_summary(ctx, creator)
    assert (summary.referrals, summary.customers, summary.pending_cents, summary.paid_cents,
            summary.credit_cents) == (1, 1, 0, 2000, 2000)
    # The buyer's second completed order earns nothing more.
    second = _complete(ctx, seller, buyer, _buy(ctx, buyer, product_id))
    assert sharing.settle_rewards(ctx, now=second.completed_at + LATER) == 0
    assert len(_ledger(ctx, kind="referral_reward")) == 1


def test_refund_window_closes_refunds_and_a_refunded_order_earns_nothing(ctx, app, make_user, make_note,
                                                                          make_product):
    seller, creator, buyer, product_id, note_id, link, touch, _referral = _referred_buyer(
        ctx, make_user, make_note, make_product, "refunder")
    order = _complete(ctx, seller, buyer, _buy(ctx, buyer, product_id))
    orders.transition_order(ctx, buyer, order.id, "request_refund", reason="壞了")
    assert sharing.settle_rewards(ctx, now=utcnow() + LATER) == 0  # a refund asked: not settled
    orders.transition_order(ctx, seller, order.id, "refund")
    assert sharing.settle_rewards(ctx, now=utcnow() + LATER) == 0

    late = _complete(ctx, seller, buyer, _buy(ctx, buyer, product_id))
    _write(ctx, update(Order).where(Order.id == late.id)
                .values(completed_at=utcnow() - timedelta(days=app.config["REFUND_WINDOW_DAYS"] + 1)))
    with pytest.raises(Conflict) as closed:
        orders.transition_order(ctx, buyer, late.id, "request_refund", reason="太晚")
    assert closed.value.code == "refund_window_closed"
    with pytest.raises(Conflict):
        orders.transition_order(ctx, seller, late.id, "refund")
    # The later, kept order is the referred user's first completed one that stands: it pays.
    assert sharing.settle_rewards(ctx) == 1


def test_self_referral_cycles_and_second_referrals_never_count(ctx, make_user, make_note):
    old = make_user("old_timer")
    link = sharing.share(ctx, old, "profile", old.id)
    _l, touch = sharing.visit(ctx, link.code, None, None)
    assert sharing.record_signup(ctx, old, touch) is None  # oneself

    newer = make_user("newer")
    assert sharing.record_signup(ctx, newer, touch) is not None
    # The newer account shares; the older one cannot become its referral (no cycles).
    back = sharing.share(ctx, newer, "profile", newer.id)
    _l, back_touch = sharing.visit(ctx, back.code, None, None)
    assert sharing.record_signup(ctx, old, back_touch) is None
    # A second link never re-refers someone.
    other = make_user("other_referrer")
    _write(ctx, update(User).where(User.id == other.id).values(created_at=utcnow() - LATER))
    other_link = sharing.share(ctx, other, "profile", other.id)
    _l, other_touch = sharing.visit(ctx, other_link.code, None, None)
    assert sharing.record_signup(ctx, newer, other_touch) is None
    assert ctx.scalar(select(func.count(Referral.id))) == 1


def test_only_the_direct_referrer_is_paid_and_a_voucher_comes_every_third_customer(
        ctx, app, make_user, make_note, make_product):
    seller, top = make_user("tier_seller"), make_user("tier_top")
    product_id = make_product(seller, price_cents=9900, stock=20)
    top_link = sharing.share(ctx, top, "product", product_id)
    _l, top_touch = sharing.visit(ctx, top_link.code, None, None)
    middle = make_user("tier_middle")
    sharing.record_signup(ctx, middle, top_touch)
    middle_link = sharing.share(ctx, middle, "product", product_id, touch=top_touch)
    assert middle_link.parent_id == top_link.id  # the fission tree's edge
    buyers = []
    for index in range(3):
        _l, touch = sharing.visit(ctx, middle_link.code, None, None)
        buyer = make_user(f"tier_buyer{index}")
        sharing.record_signup(ctx, buyer, touch)
        buyers.append(_complete(ctx, seller, buyer, _buy(ctx, buyer, product_id)))
    assert sharing.settle_rewards(ctx, now=utcnow() + LATER) == 3

    paid = {row.user_id: row for row in ctx.scalars(select(Reward))}
    assert set(paid) == {middle.id}  # the top of the chain earns nothing from the middle's customers
    assert ctx.scalar(select(func.count(Reward.id)).where(Reward.user_id == middle.id)) == 3
    vouchers = list(ctx.scalars(select(Voucher)))
    assert [(v.user_id, v.amount_cents, v.cause) for v in vouchers] == [
        (middle.id, app.config["REFERRAL_VOUCHER_CENTS"], f"customers:{middle.id}:1")]
    assert sharing.settle_rewards(ctx, now=utcnow() + LATER) == 0
    assert ctx.scalar(select(func.count(Voucher.id))) == 1


def test_concurrent_settlements_pay_each_reward_once(app, ctx, make_user, make_note, make_product):
    seller, creator, buyer, product_id, note_id, link, touch, _referral = _referred_buyer(
        ctx, make_user, make_note, make_product, "racer")
    _complete(ctx, seller, buyer, _buy(ctx, buyer, product_id))

    def settle(_index):
        with app.app_context():  # a session and connection of its own
            return sharing.settle_rewards(db.session, now=utcnow() + LATER)

    assert sum(concurrently(6, settle)) == 1
    ctx.commit()  # a fresh snapshot: other connections wrote
    assert len(_ledger(ctx, kind="referral_reward")) == 1


# ---- credit and vouchers at checkout ----

def _give_credit(ctx, app, make_user, make_note, make_product, name):
    seller, creator, buyer, product_id, note_id, link, touch, _ref = _referred_buyer(
        ctx, make_user, make_note, make_product, name)
    _complete(ctx, seller, buyer, _buy(ctx, buyer, product_id))
    sharing.settle_rewards(ctx, now=utcnow() + LATER)
    return creator, seller, product_id


def test_credit_pays_part_of_an_order_and_comes_back_on_refund(ctx, app, make_user, make_note, make_product):
    creator, seller, product_id = _give_credit(ctx, app, make_user, make_note, make_product, "spender")
    assert sharing.credit_balance(ctx, creator, "CNY") == 2000

    order = _buy(ctx, creator, product_id, pay=False, extras=orders.Extras(use_credit=True))
    assert (order.credit_cents, order.amount_due_cents) == (2000, 9900 - 2000)
    assert sharing.credit_balance(ctx, creator, "CNY") == 0  # held by the pending order
    second = _buy(ctx, creator, product_id, pay=False, extras=orders.Extras(use_credit=True))
    assert second.credit_cents == 0  # the same credit is not spent twice

    orders.pay_in_sandbox(ctx, creator, order, succeed=True)
    kinds = dict((kind, amount) for kind, _user, amount in _ledger(ctx, order_id=order.id))
    assert kinds["buyer_payment"] == -7900 and kinds["credit_spent"] == -2000
    assert _sums_per_order(ctx) == {0}
    orders.transition_order(ctx, seller, order.id, "refund")
    assert sharing.credit_balance(ctx, creator, "CNY") == 2000
    assert _sums_per_order(ctx) == {0}


def test_an_order_covered_by_credit_and_voucher_is_paid_without_a_provider(ctx, app, make_user, make_note,
                                                                             make_product):
    creator, seller, _product_id = _give_credit(ctx, app, make_user, make_note, make_product, "fullcover")
    cheap = make_product(seller, name="貼紙", price_cents=5000, stock=5)
    voucher = Voucher(cause="test:fullcover", user_id=creator.id, amount_cents=3000, min_spend_cents=5000,
                      currency="CNY", expires_at=utcnow() + LATER)
    ctx.add(voucher)
    ctx.commit()
    order = _buy(ctx, creator, cheap, pay=False, extras=orders.Extras(use_credit=True, voucher_id=voucher.id))
    assert (order.discount_cents, order.credit_cents, order.amount_due_cents) == (3000, 2000, 0)
    assert orders.start_payment(ctx, creator, order) is None
    ctx.refresh(order)
    assert order.status == "paid" and order.payment_ref is None
    rows = {kind: (user, amount) for kind, user, amount in _ledger(ctx, order_id=order.id)}
    assert rows["voucher_discount"] == (None, -3000) and rows["credit_spent"] == (creator.id, -2000)
    assert "buyer_payment" not in rows and _sums_per_order(ctx) == {0}


def test_vouchers_are_checked_held_once_and_released_on_cancel(ctx, app, make_user, make_product):
    seller, buyer, stranger = make_user("v_seller"), make_user("v_buyer"), make_user("v_stranger")
    product_id = make_product(seller, price_cents=4000, stock=9)
    big = make_product(seller, name="帳篷", price_cents=60000, stock=9)
    voucher = Voucher(cause="test:v", user_id=buyer.id, amount_cents=1000, min_spend_cents=5000, currency="CNY",
                      expires_at=utcnow() + LATER)
    ctx.add(voucher)
    ctx.commit()
    for who, product in ((buyer, product_id), (stranger, big)):  # under the minimum; not theirs
        with pytest.raises(Invalid) as refused:
            _buy(ctx, who, product, pay=False, extras=orders.Extras(voucher_id=voucher.id))
        assert refused.value.code == "voucher_unusable"
    order = _buy(ctx, buyer, big, pay=False, extras=orders.Extras(voucher_id=voucher.id))
    assert order.discount_cents == 1000 and order.amount_due_cents == 59000
    with pytest.raises(Invalid):
        _buy(ctx, buyer, big, pay=False, extras=orders.Extras(voucher_id=voucher.id))
    orders.transition_order(ctx, buyer, order.id, "cancel")
    ctx.refresh(voucher)
    assert voucher.used_order_id is None
    assert _buy(ctx, buyer, big, extras=orders.Extras(voucher_id=voucher.id)).status == "paid"


# ---- group buys ----

def _group_product(ctx, make_product, seller, *, size=3, stock=10):
    product_id = make_product(seller, name="團購露營椅", price_cents=20000, stock=stock, commission_bps=0)
    _write(ctx, update(Product).where(Product.id == product_id).values(group_price_cents=15000, group_size=size))
    return product_id


def _stock(ctx, product_id) -> int:
    ctx.commit()  # a fresh snapshot: other connections wrote
    return ctx.scalar(select(Product.stock).where(Product.id == product_id))


def test_a_group_fills_when_everyone_has_paid_and_only_then_ships(ctx, make_user, make_product):
    seller = make_user("g_seller")
    leader, second, third = make_user("g_leader"), make_user("g_second"), make_user("g_third")
    product_id = _group_product(ctx, make_product, seller)
    first = _buy(ctx, leader, product_id, extras=orders.Extras(start_group=True))
    group = ctx.get(GroupBuy, first.group_id)
    assert (first.unit_price_cents, first.total_cents, group.size, group.seats_taken) == (15000, 15000, 3, 1)
    assert _stock(ctx, product_id) == 7  # the whole group's units are set aside at once
    with pytest.raises(Conflict) as early:
        orders.transition_order(ctx, seller, first.id, "ship")
    assert early.value.code == "group_not_filled"
    with pytest.raises(Conflict) as asked:
        orders.transition_order(ctx, leader, first.id, "request_refund")
    assert asked.value.code == "group_open"

    _buy(ctx, second, product_id, extras=orders.Extras(group_id=group.id))
    pending = _buy(ctx, third, product_id, pay=False, extras=orders.Extras(group_id=group.id))
    ctx.refresh(group)
    assert (group.status, group.needed, group.seats_taken) == ("open", 1, 3)
    with pytest.raises(Conflict) as full:
        _buy(ctx, make_user("g_fourth"), product_id, extras=orders.Extras(group_id=group.id))
    assert full.value.code == "group_full"
    with pytest.raises(Conflict) as twice:
        _buy(ctx, second, product_id, extras=orders.Extras(group_id=group.id))
    assert twice.value.code in ("group_full", "already_in_group")

    orders.pay_in_sandbox(ctx, third, pending, succeed=True)
    ctx.refresh(group)
    assert (group.status, group.paid_count, group.reserved_units) == ("filled", 3, 0)
    assert orders.transition_order(ctx, seller, first.id, "ship").status == "shipped"
    # A filled group's paid order refunded before shipping puts its unit back on sale.
    orders.transition_order(ctx, seller, pending.id, "refund")
    assert _stock(ctx, product_id) == 8


def test_an_unpaid_seat_is_given_up_and_can_be_taken_again(ctx, make_user, make_product):
    seller, leader, slow, quick = (make_user(n) for n in ("s_seller", "s_leader", "s_slow", "s_quick"))
    product_id = _group_product(ctx, make_product, seller, size=2)
    group_id = _buy(ctx, leader, product_id, extras=orders.Extras(start_group=True)).group_id
    slow_order = _buy(ctx, slow, product_id, pay=False, extras=orders.Extras(group_id=group_id))
    orders.transition_order(ctx, slow, slow_order.id, "cancel")
    assert ctx.scalar(select(func.count(GroupMember.id)).where(GroupMember.group_id == group_id)) == 1
    assert _stock(ctx, product_id) == 8  # the unit stayed in the group's reserve
    _buy(ctx, quick, product_id, extras=orders.Extras(group_id=group_id))
    assert ctx.get(GroupBuy, group_id).status == "filled"


def test_an_unfilled_group_refunds_everyone_at_its_deadline(ctx, make_user, make_product):
    seller, leader, joiner, late = (make_user(n) for n in ("e_seller", "e_leader", "e_joiner", "e_late"))
    product_id = _group_product(ctx, make_product, seller)
    paid = _buy(ctx, leader, product_id, extras=orders.Extras(start_group=True))
    group_id = paid.group_id
    unpaid = _buy(ctx, joiner, product_id, pay=False, extras=orders.Extras(group_id=group_id))
    assert groups.expire_groups(ctx) == 0  # not yet due

    deadline = ctx.get(GroupBuy, group_id).deadline
    _write(ctx, update(GroupBuy).where(GroupBuy.id == group_id).values(deadline=utcnow() - timedelta(seconds=1)))
    with pytest.raises(Conflict) as closed:
        _buy(ctx, late, product_id, extras=orders.Extras(group_id=group_id))
    assert closed.value.code == "group_closed"
    assert deadline > utcnow()
    assert groups.expire_groups(ctx) == 1
    assert groups.expire_groups(ctx) == 0
    ctx.commit()  # a fresh snapshot: other connections wrote
    assert ctx.get(Order, paid.id).status == "refunded" and ctx.get(Order, unpaid.id).status == "cancelled"
    assert ctx.get(GroupBuy, group_id).status == "expired"
    assert _stock(ctx, product_id) == 10  # the whole reserve is back on sale
    assert _sums_per_order(ctx) == {0}
    assert ctx.scalar(select(Product.sold_count).where(Product.id == product_id)) == 0


def test_reading_a_group_past_its_deadline_expires_it(ctx, make_user, make_product):
    seller, leader = make_user("l_seller"), make_user("l_leader")
    product_id = _group_product(ctx, make_product, seller)
    order = _buy(ctx, leader, product_id, extras=orders.Extras(start_group=True))
    _write(ctx, update(GroupBuy).where(GroupBuy.id == order.group_id).values(deadline=utcnow() - timedelta(hours=1)))
    assert groups.get_group(ctx, order.group_id).status == "expired"
    assert ctx.get(Order, order.id).status == "refunded"


def test_a_group_needs_an_offer_stock_for_the_whole_group_and_one_item_each(ctx, make_user, make_product):
    seller, buyer = make_user("o_seller"), make_user("o_buyer")
    plain = make_product(seller, name="沒有團購", stock=10)
    with pytest.raises(Invalid) as no_offer:
        _buy(ctx, buyer, plain, extras=orders.Extras(start_group=True))
    assert no_offer.value.code == "no_group_offer"
    scarce = _group_product(ctx, make_product, seller, size=3, stock=2)
    with pytest.raises(orders.OutOfStock):
        _buy(ctx, buyer, scarce, extras=orders.Extras(start_group=True))
    assert _stock(ctx, scarce) == 2
    with pytest.raises(Invalid):
        _buy(ctx, buyer, _group_product(ctx, make_product, seller), quantity=2,
             extras=orders.Extras(start_group=True))


def test_twenty_concurrent_joins_to_a_group_of_three_make_exactly_three_members(app, ctx, make_user, make_product):
    seller, leader = make_user("c_seller"), make_user("c_leader")
    product_id = _group_product(ctx, make_product, seller, size=3)
    group_id = _buy(ctx, leader, product_id, extras=orders.Extras(start_group=True)).group_id
    joiners = [make_user(f"c_joiner{i}").id for i in range(20)]

    def join(index):
        with app.test_request_context():  # a session and connection of its own
            buyer = db.session.get(User, joiners[index])
            try:
                order, _created = orders.place_order(db.session, buyer, product_id=product_id, quantity=1,
                                                     shipping=SHIPPING, extras=orders.Extras(group_id=group_id))
            except Conflict as refused:
                return refused.code
            return order.id

    results = concurrently(20, join)
    placed = [r for r in results if isinstance(r, int)]
    assert len(placed) == 2 and sorted(set(results) - set(placed)) == ["group_full"], results
    ctx.commit()  # a fresh snapshot: other connections wrote
    group = ctx.get(GroupBuy, group_id)
    assert group.seats_taken == 3
    assert ctx.scalar(select(func.count(GroupMember.id)).where(GroupMember.group_id == group_id)) == 3
    assert ctx.scalar(select(func.count(Order.id)).where(Order.group_id == group_id)) == 3
    assert _stock(ctx, product_id) == 7


# ---- the clock's commands ----

def test_sharing_commands_settle_and_expire(app, ctx, runner, make_user, make_note, make_product):
    seller, creator, buyer, product_id, note_id, link, touch, _referral = _referred_buyer(
        ctx, make_user, make_note, make_product, "cli")
    order = _complete(ctx, seller, buyer, _buy(ctx, buyer, product_id))
    group_product = _group_product(ctx, make_product, seller)
    group_id = _buy(ctx, make_user("cli_leader"), group_product, extras=orders.Extras(start_group=True)).group_id
    _write(ctx, update(GroupBuy).where(GroupBuy.id == group_id).values(deadline=utcnow() - timedelta(seconds=1)))
    _write(ctx, update(Order).where(Order.id == order.id).values(completed_at=utcnow() - LATER))

    settled = runner.invoke(args=["sharing", "settle"])
    assert settled.exit_code == 0 and settled.output.startswith("1 referral rewards paid"), settled.output
    expired = runner.invoke(args=["sharing", "expire-groups"])
    assert expired.exit_code == 0 and expired.output.startswith("1 unfilled groups expired"), expired.output
    assert runner.invoke(args=["sharing", "settle"]).output.startswith("0 ")


def test_group_expiry_is_a_scheduled_job(app, ctx, runner, make_user, make_product):
    seller = make_user("job_seller")
    order = _buy(ctx, make_user("job_leader"), _group_product(ctx, make_product, seller),
                 extras=orders.Extras(start_group=True))
    _write(ctx, update(GroupBuy).where(GroupBuy.id == order.group_id).values(deadline=utcnow() - timedelta(seconds=1)))
    listed = runner.invoke(args=["jobs", "list"])
    assert "sharing.expire_groups" in listed.output and "sharing.settle_rewards" in listed.output
    ran = runner.invoke(args=["jobs", "run-periodic", "sharing.expire_groups"])
    assert ran.exit_code == 0, ran.output
    ctx.commit()
    assert ctx.scalar(select(Order.status).where(Order.id == order.id)) == "refunded"
