"""Imports every domain's models so metadata (Alembic, create_all in tests) sees all tables."""

from app.accounts.models import ApiToken, User  # noqa: F401
from app.catalog.models import Product, ProductImage, Shop, ShopStaff  # noqa: F401
from app.feed.models import FeedSnapshot  # noqa: F401
from app.moderation.models import Report  # noqa: F401
from app.notes.models import Note, NoteImage, NoteTag, Tag  # noqa: F401
from app.orders.models import LedgerEntry, Order, PaymentEvent  # noqa: F401
from app.search.models import SearchOutbox  # noqa: F401
from app.sharing.models import GroupBuy, GroupMember, Referral, Reward, ShareLink, Voucher  # noqa: F401
from app.social.models import Board, Collect, Comment, Follow, Like, Notification  # noqa: F401
from app.trust.models import NoteScore, TrustState, UserTrust  # noqa: F401
