"""The registry of portable record types, in insertion order: a type comes after every type it
can refer to (products after their sellers, notes after the products they review, orders after
the notes they came through). Sharing adds referrals, and groups before the orders that join them."""

from app.data.records import FollowRecord, RecordType, UserRecord
from app.data.records_commerce import OrderRecord, ProductRecord
from app.data.records_notes import CollectRecord, CommentRecord, LikeRecord, NoteRecord
from app.data.records_sharing import GroupRecord, ReferralRecord

RECORD_TYPES: dict[str, RecordType] = {
    r.name: r for r in (UserRecord(), FollowRecord(), ProductRecord(), NoteRecord(), LikeRecord(), CollectRecord(),
                        CommentRecord(), ReferralRecord(), GroupRecord(), OrderRecord())
}
