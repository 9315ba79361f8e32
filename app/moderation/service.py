"""Reports from users; admins hide content or suspend accounts, and authors are told why."""

from __future__ import annotations

import secrets

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import User
from app.accounts.service import clean_text
from app.db import utcnow, write_transaction
from app.errors import Forbidden, Invalid, NotFound
from app.moderation.models import Report
from app.notes.models import Note
from app.search import outbox as search
from app.social.models import Comment
from app.social.service import notify

REASON_LABELS = {
    "spam": _l("Spam"),
    "fake_review": _l("Fake review or paid promotion"),
    "undisclosed_ad": _l("Undisclosed advertising"),
    "harassment": _l("Harassment"),
    "inappropriate": _l("Inappropriate content"),
    "other": _l("Something else"),
}


def _require_admin(actor: User) -> None:
    if not actor.is_admin:
        raise Forbidden(_l("Only moderators can do that."))


def _target(session: Session, target_type: str, target_id: int):
    model = {"note": Note, "comment": Comment}.get(target_type)
    if model is None:
        raise Invalid(_l("You can report notes and comments."), fields={"target_type": _l("note or comment")})
    target = session.get(model, target_id)
    if target is None:
        raise NotFound(_l("What you reported no longer exists."))
    return target


def _reportable(session: Session, target_type: str, target_id: int) -> None:
    """Only what any reader can see can be reported, so a report never reveals a draft."""
    from app.notes.service import get_actionable_note

    target = _target(session, target_type, target_id)
    if target_type == "comment" and target.hidden_at is not None:
        raise NotFound(_l("What you reported no longer exists."))
    get_actionable_note(session, target.id if target_type == "note" else target.note_id)


def report(session: Session, reporter: User, target_type: str, target_id: int, reason: str, detail: str = "") -> Report:
    if reason not in Report.REASONS:
        raise Invalid(_l("Choose a reason."), fields={"reason": _l("Choose a reason.")})
    detail = clean_text(detail, multiline=True)[:500]
    with write_transaction(session):
        _reportable(session, target_type, target_id)
        existing = session.scalar(select(Report).where(
            Report.reporter_id == reporter.id, Report.target_type == target_type, Report.target_id == target_id,
            Report.status == "open"))
        if existing:  # reporting twice does not count twice
            return existing
        entry = Report(reporter_id=reporter.id, target_type=target_type, target_id=target_id, reason=reason,
                       detail=detail)
        session.add(entry)
    return entry


def open_reports(session: Session, actor: User) -> list[tuple[Report, object]]:
    _require_admin(actor)
    reports = list(session.scalars(select(Report).where(Report.status == "open").order_by(Report.id)
                                   .options(selectinload(Report.reporter)).limit(200)))
    notes = {n.id: n for n in session.scalars(select(Note).options(selectinload(Note.author)).where(
        Note.id.in_([r.target_id for r in reports if r.target_type == "note"])))}
    comments = {c.id: c for c in session.scalars(select(Comment).options(selectinload(Comment.author)).where(
        Comment.id.in_([r.target_id for r in reports if r.target_type == "comment"])))}
    targets = {"note": notes, "comment": comments}
    return [(r, targets[r.target_type].get(r.target_id)) for r in reports]


def _resolve(session: Session, actor: User, target_type: str, target_id: int, status: str) -> None:
    session.execute(update(Report).where(Report.target_type == target_type, Report.target_id == target_id,
                                         Report.status == "open")
                    .values(status=status, resolved_by_id=actor.id, resolved_at=utcnow()))


def _reason(reason: str) -> str:
    reason = clean_text(reason)[:300]
    if not reason:
        raise Invalid(_l("Tell the author why."), fields={"reason": _l("Required.")})
    return reason


def hide(session: Session, actor: User, target_type: str, target_id: int, reason: str) -> None:
    """Hide a note or comment from everyone but its author and admins, and tell the author why."""
    _require_admin(actor)
    reason = _reason(reason)
    with write_transaction(session):
        target = _target(session, target_type, target_id)
        target.hidden_at, target.hidden_reason = utcnow(), reason
        if target_type == "note":
            search.mark_changed(session, "notes", [target.id])
        author_id = target.author_id
        note_id = target.id if target_type == "note" else target.note_id
        notify(session, recipient_id=author_id, actor_id=None, kind="moderation", note_id=note_id,
               comment_id=target.id if target_type == "comment" else None, detail=reason)
        _resolve(session, actor, target_type, target_id, "actioned")


def dismiss(session: Session, actor: User, report_id: int) -> None:
    _require_admin(actor)
    with write_transaction(session):
        entry = session.get(Report, report_id)
        if entry is None:
            raise NotFound()
        _resolve(session, actor, entry.target_type, entry.target_id, "dismissed")


def suspend(session: Session, actor: User, user: User, reason: str) -> None:
    """Suspend an account: it is logged out everywhere and its content disappears."""
    _require_admin(actor)
    if user.id == actor.id:
        raise Invalid(_l("You cannot suspend yourself."))
    reason = _reason(reason)
    with write_transaction(session):
        user.suspended_at, user.suspension_reason = utcnow(), reason
        user.session_token = secrets.token_hex(16)
        search.mark_user(session, user.id)
        notify(session, recipient_id=user.id, actor_id=None, kind="moderation", detail=reason)
