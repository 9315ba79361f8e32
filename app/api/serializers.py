"""JSON shapes of the API. One function per resource, reused wherever it appears."""

from __future__ import annotations

from flask import url_for

from app.accounts.models import User


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
    }


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
