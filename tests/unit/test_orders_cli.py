"""`flask orders sweep`: the clock's part of the order life cycle, from the command line."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import update

from app.accounts.service import find_user
from app.catalog.models import Product
from app.db import db, utcnow
from app.orders import service
from app.orders.models import Order


def test_sweep_cancels_stale_unpaid_orders_and_returns_their_stock(app, runner, make_user, make_product):
    make_user("seller")
    make_user("buyer")
    product_id = make_product("seller", stock=3)
    with app.app_context():
        buyer = find_user(db.session, "buyer")
        stale, _ = service.place_order(db.session, buyer, product_id=product_id, quantity=2)
        fresh, _ = service.place_order(db.session, buyer, product_id=product_id, quantity=1)
        db.session.execute(update(Order).where(Order.id == stale.id).values(created_at=utcnow() - timedelta(hours=2)))
        db.session.commit()
    result = runner.invoke(args=["orders", "sweep"])
    assert result.exit_code == 0, result.output
    assert "1 unpaid orders cancelled, 0 shipped orders completed." in result.output
    with app.app_context():
        assert db.session.get(Order, stale.id).status == "cancelled"
        assert db.session.get(Order, fresh.id).status == "pending"
        assert db.session.get(Product, product_id).stock == 2  # 3 − 2 − 1 + 2
    again = runner.invoke(args=["orders", "sweep"])
    assert "0 unpaid orders cancelled" in again.output
