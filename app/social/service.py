"""Social use cases: follows, likes, collects and boards, comments, notifications."""

from __future__ import annotations

import functools
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, delete, func, literal, select, union_all, update
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import User
from app.accounts.service import clean_text
from app.db import insert_ignore, utcnow, write_transaction
from app.errors import Forbidden, Invalid, NotFound
from app.notes.models import Note
from app.pagination import Page, decode_cursor, encode_cursor, newest_by_id
from app.search import outbox as search
from app.social.models import Board, Collect, Comment, Follow, Like, Notification

COMMENT_MAX = 500
BOARD_NAME_MAX = 40


def notify(session: Session, *, recipient_id: int, actor_id: int | None, kind: str, note_id=None, comment_id=None,
           order_id=None, detail: str | None = None) -> None:
    """Called inside the cause's transaction, so a notification exists exactly when its cause does."""
    if recipient_id == actor_id:
        return
    session.add(Notification(recipient_id=recipient_id, actor_id=actor_id, kind=kind, note_id=note_id,
                             comment_id=comment_id, order_id=order_id, detail=detail))


# ---- follows ----

def follow(session: Session, follower: User, followee: User) -> bool:
    """Follow; True when this call created the follow (repeating it changes nothing)."""
    from app.feed import service as feed

    if follower.id == followee.id:
        raise Invalid(_l("You cannot follow yourself."), code="self_follow")
    with write_transaction(session):
        created = insert_ignore(session, Follow, {"follower_id": follower.id, "followee_id": followee.id,
                                                  "created_at": utcnow()})
        if created:
            notify(session, recipient_id=followee.id, actor_id=follower.id, kind="follow")
            search.mark_changed(session, "users", [followee.id])  # people ordered by followers
            feed.forget_home(session, follower.id)
    return created


def unfollow(session: Session, follower: User, followee: User) -> None:
    from app.feed import service as feed

    with write_transaction(session):
        if session.execute(delete(Follow).where(Follow.follower_id == follower.id,
                                                Follow.followee_id == followee.id)).rowcount:
            search.mark_changed(session, "users", [followee.id])
            feed.forget_home(session, follower.id)


def is_following(session: Session, follower: User | None, followee: User) -> bool:
    if follower is None or not follower.is_authenticated:
        return False
    return session.get(Follow, (follower.id, followee.id)) is not None


def follow_counts(session: Session, user: User) -> dict[str, int]:
    followers = select(func.count()).select_from(Follow).where(Follow.followee_id == user.id).scalar_subquery()
    following = select(func.count()).select_from(Follow).where(Follow.follower_id == user.id).scalar_subquery()
    likes = select(func.coalesce(func.sum(Note.like_count + Note.collect_count), 0)).where(
        Note.author_id == user.id, Note.is_draft.is_(False), Note.hidden_at.is_(None)).scalar_subquery()
    row = session.execute(select(followers, following, likes)).one()
    return {"followers": row[0], "following": row[1], "likes_and_collects": row[2]}


def list_follows(session: Session, user: User, direction: str, cursor: str | None, limit: int) -> Page:
    """Followers or following, newest follow first, with cursor pagination."""
    mine, theirs = (Follow.followee_id, Follow.follower_id) if direction == "followers" else (
        Follow.follower_id, Follow.followee_id)
    query = (select(User, Follow.created_at).join(Follow, theirs == User.id).where(mine == user.id)
             .order_by(Follow.created_at.desc(), User.id.desc()))
    after = decode_cursor(cursor, (datetime, int))
    if after:
        created, user_id = after
        query = query.where((Follow.created_at < created) | ((Follow.created_at == created) & (User.id < user_id)))
    rows = session.execute(query.limit(limit + 1)).all()
    items = [row[0] for row in rows[:limit]]
    next_cursor = encode_cursor(rows[limit - 1][1], rows[limit - 1][0].id) if len(rows) > limit else None
    return Page(items, next_cursor)


# ---- likes and collects ----

def _bump(session: Session, note_id: int, column, delta: int) -> None:
    session.execute(update(Note).where(Note.id == note_id).values({column: column + delta}))
    search.mark_changed(session, "notes", [note_id])  # most-liked search order


def _add_reaction(session: Session, model, counter: str, kind: str, user: User, note: Note, **values) -> bool:
    """Insert a like/collect row if absent; count it and notify only when this call inserted it."""
    created = insert_ignore(session, model, {"user_id": user.id, "note_id": note.id, "created_at": utcnow(),
                                             **values})
    if created:
        _bump(session, note.id, getattr(Note, counter), 1)
        notify(session, recipient_id=note.author_id, actor_id=user.id, kind=kind, note_id=note.id)
    return created


def _remove_reaction(session: Session, model, counter: str, user: User, note: Note) -> None:
    with write_transaction(session):
        if session.execute(delete(model).where(model.user_id == user.id, model.note_id == note.id)).rowcount:
            _bump(session, note.id, getattr(Note, counter), -1)
    session.refresh(note, [counter])


def like(session: Session, user: User, note: Note) -> bool:
    with write_transaction(session):
        created = _add_reaction(session, Like, "like_count", "like", user, note)
    session.refresh(note, ["like_count"])
    return created


def unlike(session: Session, user: User, note: Note) -> None:
    _remove_reaction(session, Like, "like_count", user, note)


def collect(session: Session, user: User, note: Note, board_id: int | None = None,
            new_board_name: str | None = None) -> bool:
    """Collect a note, optionally into a board (an existing one, or a new one made in the same step)."""
    if new_board_name:
        new_board_name = _board_name(new_board_name)
    with write_transaction(session):
        if new_board_name:
            board_id = _board_id(session, user, new_board_name)
        elif board_id is not None:
            board = session.get(Board, board_id)
            if board is None or board.owner_id != user.id:
                raise NotFound(_l("No such board."))
        created = _add_reaction(session, Collect, "collect_count", "collect", user, note, board_id=board_id)
        if not created and board_id is not None:
            session.execute(update(Collect).where(Collect.user_id == user.id, Collect.note_id == note.id)
                            .values(board_id=board_id))
    session.refresh(note, ["collect_count"])
    return created


def uncollect(session: Session, user: User, note: Note) -> None:
    _remove_reaction(session, Collect, "collect_count", user, note)


def viewer_state(session: Session, viewer: User | None, note_ids: list[int]) -> dict[str, set[int]]:
    """Which of these notes the viewer liked and collected: one query for a whole page."""
    if viewer is None or not viewer.is_authenticated or not note_ids:
        return {"liked": set(), "collected": set()}
    rows = session.execute(_viewer_state_query(), {"viewer": viewer.id, "notes": list(note_ids)}).all()
    return {"liked": {n for kind, n in rows if kind == 1}, "collected": {n for kind, n in rows if kind == 2}}


@functools.cache
def _viewer_state_query():
    """Built once: every page asks it (building costs more than SQLite takes to answer)."""
    viewer, notes = bindparam("viewer"), bindparam("notes", expanding=True)
    return union_all(
        select(literal(1).label("kind"), Like.note_id.label("note_id")).where(Like.user_id == viewer,
                                                                              Like.note_id.in_(notes)),
        select(literal(2), Collect.note_id).where(Collect.user_id == viewer, Collect.note_id.in_(notes)))


def _board_name(name) -> str:
    name = clean_text(name if isinstance(name, str) else "")
    if not name or len(name) > BOARD_NAME_MAX:
        message = _l("Board names are 1 to %(max)d characters.", max=BOARD_NAME_MAX)
        raise Invalid(message, fields={"name": message})
    return name


def _board_id(session: Session, owner: User, name: str) -> int:
    insert_ignore(session, Board, {"owner_id": owner.id, "name": name, "created_at": utcnow()})
    return session.scalar(select(Board.id).where(Board.owner_id == owner.id, Board.name == name))


def create_board(session: Session, owner: User, name: str) -> Board:
    """Create a board, or return the owner's board of that name."""
    name = _board_name(name)
    with write_transaction(session):
        board = session.get(Board, _board_id(session, owner, name))
    return board


def list_boards(session: Session, owner: User) -> list[tuple[Board, int]]:
    counts = select(Collect.board_id, func.count().label("n")).group_by(Collect.board_id).subquery()
    query = (select(Board, func.coalesce(counts.c.n, 0)).outerjoin(counts, counts.c.board_id == Board.id)
             .where(Board.owner_id == owner.id).order_by(Board.created_at))
    return [(board, count) for board, count in session.execute(query)]


# ---- comments ----

def add_comment(session: Session, author: User, note: Note, body: str, parent_id: int | None = None) -> Comment:
    body = clean_text(body, multiline=True)
    if not body or len(body) > COMMENT_MAX:
        message = _l("Comments are 1 to %(max)d characters.", max=COMMENT_MAX)
        raise Invalid(message, fields={"body": message})
    with write_transaction(session):
        parent = None
        if parent_id is not None:
            parent = session.get(Comment, parent_id)
            if parent is None or parent.note_id != note.id or parent.hidden_at is not None:
                raise NotFound(_l("The comment you replied to is gone."))
            if parent.parent_id is not None:  # replies to a reply join the same thread
                parent = session.get(Comment, parent.parent_id)
        comment = Comment(note_id=note.id, author_id=author.id, parent_id=parent.id if parent else None, body=body)
        session.add(comment)
        session.flush()
        _bump(session, note.id, Note.comment_count, 1)
        notify(session, recipient_id=note.author_id, actor_id=author.id, kind="comment", note_id=note.id,
               comment_id=comment.id)
        if parent is not None and parent.author_id != note.author_id:
            notify(session, recipient_id=parent.author_id, actor_id=author.id, kind="reply", note_id=note.id,
                   comment_id=comment.id)
        from app.accounts.service import find_users
        from app.notes.text import mentions

        for user in find_users(session, mentions(body)):
            if user.id not in (author.id, note.author_id, parent.author_id if parent else None):
                notify(session, recipient_id=user.id, actor_id=author.id, kind="mention", note_id=note.id,
                       comment_id=comment.id)
    return comment


def get_comment(session: Session, comment_id: int) -> Comment:
    comment = session.get(Comment, comment_id)
    if comment is None:
        raise NotFound(_l("No such comment."))
    return comment


def delete_comment(session: Session, actor: User, comment: Comment, note: Note) -> None:
    """The comment's author or the note's author may delete it; its replies go with it."""
    if actor.id not in (comment.author_id, note.author_id):
        raise Forbidden(_l("You can only delete your own comments, or comments on your notes."))
    with write_transaction(session):
        # Count what this call really deleted: a second click or a retry removes nothing.
        replies = session.execute(delete(Comment).where(Comment.parent_id == comment.id)).rowcount
        own = session.execute(delete(Comment).where(Comment.id == comment.id)).rowcount
        if own:
            _bump(session, note.id, Note.comment_count, -(own + replies))


def list_comments(session: Session, note: Note, viewer: User | None) -> list[tuple[Comment, list[Comment]]]:
    """Top-level comments oldest first, each with its replies; hidden ones only for their author."""
    viewer_id = viewer.id if viewer is not None and viewer.is_authenticated else None
    is_admin = bool(viewer_id and viewer.is_admin)
    query = (select(Comment).where(Comment.note_id == note.id).order_by(Comment.created_at, Comment.id)
             .options(selectinload(Comment.author)))
    if not is_admin:
        query = query.where(Comment.hidden_at.is_(None) | (Comment.author_id == viewer_id))
        query = query.where(Comment.author_id.in_(select(User.id).where(User.suspended_at.is_(None))))
    comments = list(session.scalars(query))
    replies: dict[int, list[Comment]] = {}
    for comment in comments:
        if comment.parent_id:
            replies.setdefault(comment.parent_id, []).append(comment)
    return [(c, replies.get(c.id, [])) for c in comments if c.parent_id is None]


# ---- notifications ----

def list_notifications(session: Session, user: User, cursor: str | None, limit: int) -> Page:
    query = select(Notification).where(Notification.recipient_id == user.id).options(
        selectinload(Notification.actor))
    return newest_by_id(session, query, Notification.id, cursor, limit)


def unread_count(session: Session, user: User) -> int:
    return session.scalar(select(func.count()).select_from(Notification).where(
        Notification.recipient_id == user.id, Notification.read_at.is_(None)))


def mark_read(session: Session, user: User, up_to_id: int | None = None) -> int:
    """Mark the user's notifications read (all, or those up to an id); returns how many."""
    with write_transaction(session):
        query = update(Notification).where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
        if up_to_id is not None:
            query = query.where(Notification.id <= up_to_id)
        return session.execute(query.values(read_at=utcnow())).rowcount
