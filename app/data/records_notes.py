"""Portable records of the notes domain: note, like, collect, comment.

A note may review a product (``product``, a product ref) with a ``rating`` of 1-5; products
come before notes in the file (records_commerce). Exported refs are positional
(records.positional_refs), so they survive a round trip through an empty database.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import selectinload

from app.accounts.models import User
from app.catalog.models import Product
from app.data.records import Field, RecordType, bulk_insert_ids, format_time, parse_time, positional_refs
from app.notes.models import Note, NoteImage, NoteTag, Tag
from app.notes.service import BODY_MAX, IMAGES_MAX, IMAGES_MIN, TAG_LENGTH_MAX, TAGS_MAX, TITLE_MAX
from app.notes.text import normalize_tag
from app.social.models import Collect, Comment, Like


def _usernames(session) -> dict[int, str]:
    return dict(session.execute(select(User.id, User.username)).all())


class NoteRecord(RecordType):
    name = "note"
    fields = [
        Field("ref", str, required=True), Field("author", str, required=True), Field("title", str, required=True),
        Field("body", str), Field("tags", list), Field("product", str, nullable=True),
        Field("rating", int, nullable=True), Field("images", list, media=True), Field("created_at", str),
        Field("draft", bool), Field("hidden_reason", str, nullable=True),
    ]

    def refs(self, record):
        refs = [("user", record["author"].lower())]
        if record.get("product") is not None:
            refs.append(("product", record["product"]))
        return refs

    def check(self, record):
        errors = []
        if not record["title"].strip() or len(record["title"]) > TITLE_MAX:
            errors.append(f"title must be 1-{TITLE_MAX} characters")
        if len(record.get("body") or "") > BODY_MAX:
            errors.append(f"body is longer than {BODY_MAX} characters")
        tags = [normalize_tag(t) for t in record.get("tags") or []]
        if len(tags) > TAGS_MAX or any(not t or len(t) > TAG_LENGTH_MAX for t in tags):
            errors.append(f"tags: at most {TAGS_MAX}, each 1-{TAG_LENGTH_MAX} characters")
        if not IMAGES_MIN <= len(record.get("images") or []) <= IMAGES_MAX and not record.get("draft"):
            errors.append(f"a note has {IMAGES_MIN}-{IMAGES_MAX} images")
        rating = record.get("rating")
        if rating is not None and (record.get("product") is None or not 1 <= rating <= 5):
            errors.append(_l("rating must be 1-5 and needs a product"))
        return errors

    def prepare(self, ctx, records):
        from app.data import media_io

        media_io.store_all(ctx, [(r, "_images", r["images"]) for r in records if r.get("images")],
                           "NOTE_IMAGE_SIZES")

    def insert(self, ctx, records):
        users, products = ctx.ids["user"], ctx.ids.get("product", {})
        rows = []
        for r in records:
            created = parse_time(r.get("created_at"), ctx.now)
            draft = bool(r.get("draft"))
            rows.append({
                "author_id": users[r["author"].lower()], "title": r["title"].strip(), "body": r.get("body") or "",
                "is_draft": draft, "product_id": products.get(r.get("product")), "rating": r.get("rating"),
                "created_at": created, "updated_at": created, "published_at": None if draft else created,
                "hidden_at": ctx.now if r.get("hidden_reason") else None, "hidden_reason": r.get("hidden_reason"),
            })
        ids = bulk_insert_ids(ctx.session, Note, rows)
        notes = ctx.ids.setdefault(self.name, {})
        images, note_tags, tag_names = [], [], set()
        for record, note_id in zip(records, ids, strict=True):
            notes[record["ref"]] = note_id
            for position, stored in enumerate(record.get("_images", [])):
                images.append({"note_id": note_id, "position": position, "key": stored.key,
                               "width": stored.width, "height": stored.height})
            names = list(dict.fromkeys(normalize_tag(t) for t in record.get("tags") or []))
            tag_names.update(names)
            note_tags.extend((note_id, name) for name in names)
        if images:
            ctx.session.execute(insert(NoteImage), images)
        if tag_names:
            known = dict(ctx.session.execute(select(Tag.name, Tag.id).where(Tag.name.in_(tag_names))).all())
            missing = [{"name": n} for n in sorted(tag_names - set(known))]
            if missing:
                known.update(ctx.session.execute(insert(Tag).returning(Tag.name, Tag.id), missing).all())
            ctx.session.execute(insert(NoteTag), [{"note_id": n, "tag_id": known[t]} for n, t in note_tags])

    def export(self, session, media_dir):
        from app.data import media_io

        names = _usernames(session)
        product_refs = positional_refs(session, Product.id, "p")
        query = select(Note).order_by(Note.id).options(selectinload(Note.images), selectinload(Note.tags))
        for position, note in enumerate(session.scalars(query).unique(), 1):
            ref = f"n{position}"  # the same refs as positional_refs(session, Note.id, "n")
            record = {
                "type": "note", "ref": ref, "author": names[note.author_id], "title": note.title, "body": note.body,
                "tags": [t.name for t in note.tags],
                "product": product_refs[note.product_id] if note.product_id else None,
                "rating": note.rating if note.product_id else None,
                "images": [media_io.export_file(i.key, "large", media_dir, f"note_{ref}_{i.position + 1}.webp")
                           for i in note.images],
                "created_at": format_time(note.created_at),
            }
            if note.is_draft:
                record["draft"] = True
            if note.hidden_at:
                record["hidden_reason"] = note.hidden_reason or ""
            yield record


class _Reaction(RecordType):
    """like and collect: one per user and note."""

    model = Like
    counter = "like_count"
    fields = [Field("user", str, required=True), Field("note", str, required=True), Field("created_at", str)]

    def key(self, record):
        return f"{record['user'].lower()}>{record['note']}"

    def refs(self, record):
        return [("user", record["user"].lower()), ("note", record["note"])]

    def insert(self, ctx, records):
        users, notes = ctx.ids["user"], ctx.ids["note"]
        rows = [{"user_id": users[r["user"].lower()], "note_id": notes[r["note"]],
                 "created_at": parse_time(r.get("created_at"), ctx.now)} for r in records]
        ctx.session.execute(insert(self.model), rows)
        recount(ctx.session, self.counter, self.model, {row["note_id"] for row in rows})

    def export(self, session, media_dir):
        names, notes = _usernames(session), positional_refs(session, Note.id, "n")
        for row in session.scalars(select(self.model).order_by(self.model.note_id, self.model.user_id)):
            yield {"type": self.name, "user": names[row.user_id], "note": notes[row.note_id],
                   "created_at": format_time(row.created_at)}


class LikeRecord(_Reaction):
    name = "like"


class CollectRecord(_Reaction):
    name = "collect"
    model = Collect
    counter = "collect_count"


class CommentRecord(RecordType):
    name = "comment"
    fields = [Field("ref", str, required=True), Field("user", str, required=True), Field("note", str, required=True),
              Field("body", str, required=True), Field("parent", str, nullable=True), Field("created_at", str)]

    def refs(self, record):
        refs = [("user", record["user"].lower()), ("note", record["note"])]
        if record.get("parent"):
            refs.append(("comment", record["parent"]))
        return refs

    def check(self, record):
        return [] if 0 < len(record["body"].strip()) <= 500 else ["body must be 1-500 characters"]

    def insert(self, ctx, records):
        users, notes = ctx.ids["user"], ctx.ids["note"]
        comments = ctx.ids.setdefault(self.name, {})
        # Parents come before their replies in the file, so one insert per record keeps ids at hand.
        for r in records:
            comments[r["ref"]] = ctx.session.scalar(insert(Comment).returning(Comment.id).values(
                note_id=notes[r["note"]], author_id=users[r["user"].lower()], body=r["body"],
                parent_id=comments.get(r.get("parent")), created_at=parse_time(r.get("created_at"), ctx.now)))
        recount(ctx.session, "comment_count", Comment, {notes[r["note"]] for r in records})

    def export(self, session, media_dir):
        names, notes = _usernames(session), positional_refs(session, Note.id, "n")
        comments = positional_refs(session, Comment.id, "c")
        for c in session.scalars(select(Comment).order_by(Comment.id)):
            record = {"type": "comment", "ref": comments[c.id], "user": names[c.author_id], "note": notes[c.note_id],
                      "body": c.body, "created_at": format_time(c.created_at)}
            if c.parent_id:
                record["parent"] = comments[c.parent_id]
            yield record


def recount(session, counter: str, model, note_ids: set[int]) -> None:
    """Set a note counter from its rows: imported history carries no counts of its own."""
    if not note_ids:
        return
    total = select(func.count()).select_from(model).where(model.note_id == Note.id).scalar_subquery()
    session.execute(update(Note).where(Note.id.in_(note_ids)).values({getattr(Note, counter): total}),
                    execution_options={"synchronize_session": False})
