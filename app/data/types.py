"""The registry of portable record types, in insertion order: a type comes after every type it
can refer to. Later domains (products, orders, referrals) add theirs here."""

from app.data.records import FollowRecord, RecordType, UserRecord
from app.data.records_notes import CollectRecord, CommentRecord, LikeRecord, NoteRecord

RECORD_TYPES: dict[str, RecordType] = {
    r.name: r for r in (UserRecord(), FollowRecord(), NoteRecord(), LikeRecord(), CollectRecord(), CommentRecord())
}
