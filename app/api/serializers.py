"""JSON shapes of the API. One function per resource, reused wherever it appears."""

from __future__ import annotations

from flask import url_for

from app.accounts.models import User
from app.feed import service as feed


def iso(dt) -> str | None:
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ") if dt else None


def avatar_url(user: User) -> str | None:
    if not user.avatar_key:
        return None
    from app.media.service import variant_filename

    return url_for("media.serve", name=variant_filename(user.avatar_key, "thumb"))


def user_summary(user: User) -> dict:
    return {"username": user.username, "display_name": user.display_name, "avatar_url": avatar_url(user)}


def user_detail(user: User) -> dict:
    return {**user_summary(user), "bio": user.bio, "locale": user.locale, "created_at": iso(user.created_at)}


def me(user: User) -> dict:
    return {**user_detail(user), "is_admin": user.is_admin}


def image(image, variant: str = "large") -> dict:
    from app.templating import image_size, media_url

    width, height = image_size(image, variant)
    return {"id": image.id, "url": media_url(image.key, variant), "width": width, "height": height}


def note_summary(item) -> dict:
    """A feed card: FeedItem (note plus the viewer's like/collect state)."""
    note = item.note
    return {
        "id": note.id,
        "title": note.title,
        "cover": image(note.cover, "thumb") if note.cover else None,
        "author": user_summary(note.author),
        "like_count": note.like_count,
        "collect_count": note.collect_count,
        "comment_count": note.comment_count,
        "liked": item.liked,
        "collected": item.collected,
        "is_draft": note.is_draft,
        "published_at": iso(note.published_at),
        "product": note.product_id,
        "sponsored": item.sponsored,
        "verified_purchase": item.verified,
    } | ({"score": item.score, "why": feed.why(item)} if item.score is not None else {})


def note_detail(note, liked: bool = False, collected: bool = False) -> dict:
    return {
        "id": note.id,
        "title": note.title,
        "body": note.body,
        "tags": [tag.name for tag in note.tags],
        "images": [image(i) for i in note.images],
        "author": user_summary(note.author),
        "product": note.product_id,
        "rating": note.rating,
        "like_count": note.like_count,
        "collect_count": note.collect_count,
        "comment_count": note.comment_count,
        "liked": liked,
        "collected": collected,
        "is_draft": note.is_draft,
        "hidden_reason": note.hidden_reason if note.hidden_at else None,
        "created_at": iso(note.created_at),
        "updated_at": iso(note.updated_at),
        "published_at": iso(note.published_at),
    }


def comment(comment, replies=None) -> dict:
    data = {
        "id": comment.id,
        "body": comment.body,
        "author": user_summary(comment.author),
        "parent_id": comment.parent_id,
        "created_at": iso(comment.created_at),
    }
    if replies is not None:
        data["replies"] = [globals()["comment"](reply) for reply in replies]
    return data


def notification(n) -> dict:
    return {
        "id": n.id,
        "kind": n.kind,
        "actor": user_summary(n.actor) if n.actor else None,
        "note_id": n.note_id,
        "comment_id": n.comment_id,
        "detail": n.detail,
        "read": n.read_at is not None,
        "created_at": iso(n.created_at),
    }


def profile(user, counts: dict, is_following: bool) -> dict:
    """counts: followers, following, likes_and_collects; is_following: does the viewer follow them."""
    return {**user_detail(user), **counts, "is_following": is_following}


def page(items, next_cursor) -> dict:
    return {"items": items, "next_cursor": next_cursor}


def seller(shop) -> dict:
    return {**user_summary(shop.owner), "shop_name": shop.name}


def product(p, sales_cents: int | None = None) -> dict:
    data = {
        "id": p.id,
        "name": p.name,
        "description": p.description,
        "price_cents": p.price_cents,
        "currency": p.currency,
        "stock": p.stock,
        "commission_bps": p.commission_bps,
        "sold_count": p.sold_count,
        "is_listed": p.is_listed,
        "group_price_cents": p.group_price_cents,
        "group_size": p.group_size,
        "seller": seller(p.shop),
        "images": [image(i) for i in p.images],
        "created_at": iso(p.created_at),
    }
    if sales_cents is not None:
        data["sales_cents"] = sales_cents
    return data


def order(o, actions: list[str] | None = None, referral: tuple | None = None) -> dict:
    """``referral``: (share code, referrer User) from sharing.service.order_referrals."""
    from app.orders.service import refund_window_closes

    share_code, referrer = referral or (None, None)
    return {
        "id": o.id,
        "status": o.status,
        "product": {"id": o.product.id, "name": o.product.name},
        "seller": seller(o.shop),
        "buyer": user_summary(o.buyer),
        "note": o.note_id,
        "creator": user_summary(o.creator) if o.creator else None,
        "quantity": o.quantity,
        "unit_price_cents": o.unit_price_cents,
        "total_cents": o.total_cents,
        "currency": o.currency,
        "commission_bps": o.commission_bps,
        "commission_cents": o.commission_cents,
        "platform_fee_cents": o.platform_fee_cents,
        "refund_requested": o.refund_requested_at is not None,
        "refund_reason": o.refund_reason,
        "tracking_number": o.tracking_number,
        "shipping": {"name": o.recipient_name, "phone": o.recipient_phone, "address": o.shipping_address},
        "actions": actions or [],
        "created_at": iso(o.created_at),
        "paid_at": iso(o.paid_at),
        "shipped_at": iso(o.shipped_at),
        "completed_at": iso(o.completed_at),
        "cancelled_at": iso(o.cancelled_at),
        "refunded_at": iso(o.refunded_at),
        # The sharing issue: credit and a voucher pay part of the total, the provider the rest.
        "credit_cents": o.credit_cents,
        "discount_cents": o.discount_cents,
        "amount_due_cents": o.amount_due_cents,
        "group": o.group_id,
        "share_code": share_code,
        "referrer": user_summary(referrer) if referrer else None,
        "refund_window_closes_at": iso(refund_window_closes(o)),
    }


def ledger_entry(e) -> dict:
    return {"id": e.id, "order": e.order_id, "product": e.order.product.name, "kind": e.kind,
            "amount_cents": e.amount_cents, "currency": e.currency, "created_at": iso(e.created_at)}


def balance(b) -> dict:
    return {"currency": b.currency, "earned_cents": b.earned_cents, "pending_cents": b.pending_cents,
            "available_cents": b.available_cents, "spent_cents": b.spent_cents}


def order_ledger(o, entries) -> list[dict]:
    """Who got what on one order, by name: the buyer sees which creator earned what."""
    people = {o.buyer_id: o.buyer, o.shop.owner_id: o.shop.owner}
    if o.creator:
        people[o.creator_id] = o.creator
    return [{"kind": e.kind, "amount_cents": e.amount_cents, "currency": e.currency,
             "user": user_summary(people[e.user_id]) if e.user_id in people else None} for e in entries]


# ---- sharing ----

def share_link(link, stats, url: str, poster_url: str) -> dict:
    """stats: sharing.service.LinkStats."""
    return {"code": link.code, "url": url, "poster_url": poster_url, "kind": link.target_kind, "id": link.target_id,
            "visits": link.visit_count, "signups": stats.signups, "buyers": stats.buyers,
            "created_at": iso(link.created_at)}


def group_summary(g, needed: int) -> dict:
    """A group as listed under its product: what a buyer needs to decide to join."""
    return {
        "id": g.id,
        "product": g.product_id,
        "leader": user_summary(g.leader),
        "size": g.size,
        "unit_price_cents": g.unit_price_cents,
        "currency": g.currency,
        "status": g.status,
        "needed": needed,
        "seats_left": g.size - g.seats_taken if g.status == "open" else 0,
        "deadline": iso(g.deadline),
        "created_at": iso(g.created_at),
        "closed_at": iso(g.closed_at),
    }


PAID_SEAT = ("paid", "shipped", "completed", "refunded")  # a member who paid (refunded when a group expires)


def group_detail(g, needed: int, members, my_order_id: int | None = None) -> dict:
    """members: (User, order status) pairs in joining order (groups.list_members)."""
    p = g.product
    return {
        **group_summary(g, needed),
        "product": {"id": p.id, "name": p.name, "price_cents": p.price_cents, "currency": p.currency,
                    "seller": seller(p.shop), "image": image(p.images[0], "thumb") if p.images else None},
        "members": [{"username": u.username, "display_name": u.display_name, "paid": status in PAID_SEAT}
                    for u, status in members],
        "my_order": my_order_id,
    }


def referral(r) -> dict:
    return {"user": user_summary(r.referred), "created_at": iso(r.created_at)}


def reward(r) -> dict:
    # The cause names the referred user's id; only its kind is shown.
    return {"id": r.id, "kind": r.cause.split(":", 1)[0], "amount_cents": r.amount_cents, "currency": r.currency,
            "created_at": iso(r.created_at)}


def voucher(v, now) -> dict:
    return {"id": v.id, "amount_cents": v.amount_cents, "min_spend_cents": v.min_spend_cents, "currency": v.currency,
            "used": v.used_order_id is not None, "usable": v.used_order_id is None and v.expires_at > now,
            "expires_at": iso(v.expires_at), "created_at": iso(v.created_at)}


def referral_summary(s) -> dict:
    return {"referrals": s.referrals, "customers": s.customers, "pending_cents": s.pending_cents,
            "paid_cents": s.paid_cents, "credit_cents": s.credit_cents, "currency": s.currency}
