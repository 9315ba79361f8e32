"""Note use cases: create, edit, delete, and reads filtered by what the viewer may see."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, delete, exists, false, or_, select
from sqlalchemy.orm import Session, selectinload

from app.accounts.models import User
from app.accounts.service import clean_text
from app.db import insert_ignore, utcnow, write_transaction
from app.errors import Forbidden, Invalid, NotFound
from app.media import service as media
from app.notes import text
from app.notes.models import Note, NoteImage, NoteTag, Tag
from app.search import outbox as search

TITLE_MAX, BODY_MAX = 100, 2000
TAGS_MAX, TAG_LENGTH_MAX = 10, 20
IMAGES_MIN, IMAGES_MAX = 1, 18


# ---- who sees what (the one place) ----

def visible_notes(viewer: User | None):
    """SQL condition: published, not hidden, author not suspended; authors see their own
    drafts and hidden notes, admins see hidden ones (to review them)."""
    role = viewer_role(viewer)
    return visibility(role, viewer.id if role != "anonymous" else None)


def viewer_role(viewer: User | None) -> str:
    """What decides which notes a viewer sees: "anonymous", "member" or "admin"."""
    if viewer is None or not viewer.is_authenticated:
        return "anonymous"
    return "admin" if viewer.is_admin else "member"


def visibility(role: str, viewer_id):
    """visible_notes for a role and a viewer id (a value, or a bound parameter of a statement that
    is built once per role and run for many viewers)."""
    public = and_(
        Note.is_draft == false(),
        Note.hidden_at.is_(None),
        # NOT EXISTS, one primary-key probe per note: "author_id IN (every active user)" makes
        # SQLite build the whole set of users first, on every page.
        ~exists().where(User.id == Note.author_id, User.suspended_at.is_not(None)),
    )
    if role == "anonymous":
        return public
    if role == "admin":
        return or_(Note.is_draft == false(), Note.author_id == viewer_id)
    return or_(public, Note.author_id == viewer_id)


def published_notes(viewer: User | None):
    """select(Note) of published notes this viewer may see: the base of every list of notes."""
    return select(Note).where(visible_notes(viewer), Note.is_draft == false())


# ---- validation ----

@dataclass
class NoteInput:
    title: str
    body: str
    tags: list[str]


def parse_tags(raw) -> list[str]:
    """Tags from a comma/space separated string (forms, multipart API) or a list (JSON)."""
    if raw is None:
        return []
    if isinstance(raw, str):
        raw = raw.replace("，", ",").replace("、", ",").replace("#", ",").replace(" ", ",").split(",")
    if not isinstance(raw, list) or not all(isinstance(t, str) for t in raw):
        raise Invalid(_l("Tags must be text."), fields={"tags": _l("Tags must be text.")})
    return [t for t in (text.normalize_tag(t) for t in raw) if t]


def validate_note(title: str | None, body: str | None, tags, *, image_count: int, draft: bool) -> NoteInput:
    """Check every field and report all problems at once, so a form is fixed in one go."""
    errors: dict = {}
    for name, value in (("title", title), ("body", body)):
        if value is not None and not isinstance(value, str):
            errors[name] = _l("Must be text.")
    title = clean_text(title) if "title" not in errors else ""
    body = clean_text(body, multiline=True) if "body" not in errors else ""
    if "title" not in errors and not title:
        errors["title"] = _l("Give your note a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _l("Titles are at most %(max)d characters.", max=TITLE_MAX)
    if len(body) > BODY_MAX:
        errors["body"] = _l("The text is at most %(max)d characters.", max=BODY_MAX)
    try:
        all_tags = list(dict.fromkeys(parse_tags(tags) + text.hashtags(body)))
    except Invalid as error:
        errors.update(error.fields)
        all_tags = []
    if len(all_tags) > TAGS_MAX or any(len(t) > TAG_LENGTH_MAX for t in all_tags):
        errors["tags"] = _l("Up to %(count)d tags of up to %(length)d characters each.", count=TAGS_MAX,
                            length=TAG_LENGTH_MAX)
    if image_count > IMAGES_MAX or (image_count < IMAGES_MIN and not draft):
        errors["images"] = _l("A note has 1 to %(max)d photos.", max=IMAGES_MAX)
    if errors:
        raise Invalid(next(iter(errors.values())), fields=errors)
    return NoteInput(title=title, body=body, tags=all_tags)


# ---- writes ----

def _tags_for(session: Session, names: list[str]) -> list[Tag]:
    if not names:
        return []
    # Insert-or-ignore first: two notes with the same new #tag at once must not collide.
    for name in names:
        insert_ignore(session, Tag, {"name": name})
    existing = {t.name: t for t in session.scalars(select(Tag).where(Tag.name.in_(names)))}
    return [existing[name] for name in names]


def create_note(session: Session, author: User, *, title, body, tags, images, product_id=None, rating=None,
                draft: bool = False) -> Note:
    files = media.chosen_files(images)
    data = validate_note(title, body, tags, image_count=len(files), draft=draft)
    from app.notes import products  # the commerce link point

    product_id, rating = products.validate_link(session, product_id, rating)
    stored = media.save_photos(files)
    try:
        with write_transaction(session):
            now = utcnow()
            note = Note(
                author_id=author.id, title=data.title, body=data.body, is_draft=draft, product_id=product_id,
                rating=rating, created_at=now, updated_at=now, published_at=None if draft else now,
            )
            note.images = [
                NoteImage(position=i, key=s.key, width=s.width, height=s.height) for i, s in enumerate(stored)
            ]
            note.tags = _tags_for(session, data.tags)
            session.add(note)
            session.flush()
            search.mark_changed(session, "notes", [note.id])
            if not draft:
                _notify_mentions(session, author, note, data.body, previous_body="")
    except BaseException:
        media.discard_photos([s.key for s in stored])
        raise
    return note


def update_note(session: Session, actor: User, note: Note, *, title, body, tags, image_order: list[int] | None,
                new_images, draft: bool | None = None, product_id=None, rating=None,
                product_given: bool = False) -> Note:
    """Edit text, tags and photos. ``image_order`` lists the ids of kept photos in their new
    order (None keeps them as they are); ``new_images`` are appended after them."""
    if note.author_id != actor.id:
        raise Forbidden(_l("Only the author can edit this note."))
    current = {image.id: image for image in note.images}
    order = list(current) if image_order is None else list(dict.fromkeys(image_order))
    if any(image_id not in current for image_id in order):
        raise Invalid(_l("That photo is not part of this note."), fields={"images": _l("Unknown photo.")})
    files = media.chosen_files(new_images)
    is_draft = note.is_draft if draft is None else draft
    data = validate_note(title, body, tags, image_count=len(order) + len(files), draft=is_draft)
    if product_given:
        from app.notes import products

        product_id, rating = products.validate_link(session, product_id, rating)
    stored = media.save_photos(files)
    removed = [current[i].key for i in current if i not in order]
    try:
        with write_transaction(session):
            previous_body = note.body if note.published_at else ""
            note.title, note.body, note.updated_at = data.title, data.body, utcnow()
            if product_given:
                note.product_id, note.rating = product_id, rating
            # Two passes so the (note, position) unique index never sees a duplicate mid-way.
            for offset, image_id in enumerate(order):
                current[image_id].position = 1000 + offset
            session.execute(delete(NoteImage).where(NoteImage.note_id == note.id, NoteImage.id.not_in(order or [0])))
            session.flush()
            for position, image_id in enumerate(order):
                current[image_id].position = position
            for offset, s in enumerate(stored):
                session.add(NoteImage(note_id=note.id, position=len(order) + offset, key=s.key, width=s.width,
                                      height=s.height))
            note.tags = _tags_for(session, data.tags)
            if not is_draft and note.is_draft:
                note.published_at = note.published_at or utcnow()
            note.is_draft = is_draft
            search.mark_changed(session, "notes", [note.id])
            if not note.is_draft:
                _notify_mentions(session, actor, note, data.body, previous_body=previous_body)
        session.expire(note, ["images", "cover"])
    except BaseException:
        media.discard_photos([s.key for s in stored])
        raise
    media.discard_photos(removed)
    return note


def delete_note(session: Session, actor: User, note: Note) -> None:
    if note.author_id != actor.id:
        raise Forbidden(_l("Only the author can delete this note."))
    keys = [image.key for image in note.images]
    with write_transaction(session):
        search.mark_changed(session, "notes", [note.id])
        session.delete(note)
    media.discard_photos(keys)


def _notify_mentions(session: Session, author: User, note: Note, body: str, previous_body: str) -> None:
    from app.accounts.service import find_users
    from app.social.service import notify

    new_names = set(text.mentions(body)) - set(text.mentions(previous_body))
    for user in find_users(session, new_names):
        if user.id != author.id:
            notify(session, recipient_id=user.id, actor_id=author.id, kind="mention", note_id=note.id)


# ---- reads ----

def note_query(viewer: User | None):
    from app.catalog.models import Product, Shop

    product = selectinload(Note.product)
    return (
        select(Note)
        .where(visible_notes(viewer))
        .options(selectinload(Note.author), selectinload(Note.images), selectinload(Note.tags),
                 product.selectinload(Product.shop).selectinload(Shop.owner), product.selectinload(Product.images))
    )


def get_note(session: Session, note_id: int, viewer: User | None) -> Note:
    note = session.scalar(note_query(viewer).where(Note.id == note_id))
    if note is None:
        raise NotFound(_l("This note does not exist or is not available."))
    return note


def get_actionable_note(session: Session, note_id: int) -> Note:
    """A note others can react to (like, collect, comment, report): published, not hidden,
    author not suspended, whoever the actor is. Anything else is a 404, as for readers."""
    note = session.scalar(note_query(None).where(Note.id == note_id))
    if note is None:
        raise NotFound(_l("This note does not exist or is not available."))
    return note


def get_own_note(session: Session, note_id: int, actor: User) -> Note:
    note = get_note(session, note_id, actor)
    if note.author_id != actor.id:
        raise Forbidden(_l("Only the author can change this note."))
    return note


def related_notes(session: Session, note: Note, viewer: User | None, limit: int = 6) -> list[Note]:
    """Other notes sharing a tag, most shared tags first, then newest; else the author's others."""
    from sqlalchemy import func

    tag_ids = [t.id for t in note.tags]
    base = published_notes(viewer).where(Note.id != note.id)
    if tag_ids:
        shared = func.count(NoteTag.tag_id)
        query = (base.join(NoteTag, NoteTag.note_id == Note.id).where(NoteTag.tag_id.in_(tag_ids))
                 .group_by(Note.id).order_by(shared.desc(), Note.published_at.desc()))
    else:
        query = base.where(Note.author_id == note.author_id).order_by(Note.published_at.desc())
    query = query.options(selectinload(Note.author), selectinload(Note.cover)).limit(limit)
    return list(session.scalars(query))


# ---- page views (the creator dashboard counts them) ----

VIEWED_KEEP = 50  # note ids a visitor's session remembers, newest last


def count_view(session: Session, note: Note, viewer: User | None, viewed) -> list[int] | None:
    """Count one page view of ``note``, unless the viewer wrote it or this session has counted it.

    ``viewed`` is the list of note ids kept in the visitor's own session cookie (no visitor log
    anywhere else). Returns the list to keep there, or None when nothing changed. The count is
    one UPDATE in its own short write transaction; a failure (the database busy, say) is logged
    and the page goes on without it: a view count is never worth an error page.
    """
    import logging

    from sqlalchemy import update
    from sqlalchemy.exc import SQLAlchemyError

    if not note.is_public or (viewer is not None and viewer.is_authenticated and viewer.id == note.author_id):
        return None
    seen = [item for item in viewed if isinstance(item, int)] if isinstance(viewed, list) else []
    if note.id in seen:
        return None
    try:
        with write_transaction(session):
            session.execute(update(Note).where(Note.id == note.id).values(view_count=Note.view_count + 1))
    except SQLAlchemyError:
        session.rollback()
        logging.getLogger(__name__).warning("could not count a view of note %s", note.id, exc_info=True)
        return None  # not remembered either: the next visit tries again
    return (seen + [note.id])[-VIEWED_KEEP:]
