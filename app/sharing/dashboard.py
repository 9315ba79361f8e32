"""Creator dashboard reads: fans over time, per-note figures, referral rewards and the spread of
each share link (the fission tree, 裂變). Reads only, and a fixed number of queries whatever the
size of the account: every figure is one grouped query, every tree comes from one recursive CTE.

Only the creator's own data: every query here is keyed on the creator passed in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func, literal_column, select
from sqlalchemy.orm import Session

from app.accounts.models import User
from app.db import utcnow
from app.notes.models import Note
from app.orders.models import LedgerEntry, Order
from app.orders.states import SOLD
from app.sharing.models import Reward, ShareLink
from app.sharing.service import link_stats
from app.social.models import Follow

FANS_DAYS = 90
COMMISSION_KINDS = ("creator_commission", "creator_commission_reversal")
# What the earnings export lists: money earned (and its reversals) and rewards, not spending.
EARNING_EXPORT_KINDS = ("creator_commission", "creator_commission_reversal", "seller_revenue",
                        "seller_revenue_reversal", "referral_reward")
TREE_MAX_DEPTH = 12  # a share passed on twelve times is deep already
TREE_MAX_NODES = 5000  # for all of a creator's trees together, nearest the roots first


# ---- fans ----

def _as_date(value) -> date:
    # SQLite's date() gives 'YYYY-MM-DD', PostgreSQL's a date.
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def fans_series(session: Session, creator: User, *, days: int = FANS_DAYS, today: date | None = None
                ) -> list[tuple[date, int]]:
    """Followers at the end of each of the last ``days`` days (UTC), today included. A follow
    that was undone is gone (follows keep no history), so this is when today's fans came."""
    today = today or utcnow().date()
    start = today - timedelta(days=days - 1)
    day = func.date(Follow.created_at)
    per_day = session.execute(
        select(day, func.count()).where(Follow.followee_id == creator.id).group_by(day)
    ).all()
    before, added = 0, defaultdict(int)
    for value, count in per_day:
        when = _as_date(value)
        if when < start:
            before += count
        elif when <= today:
            added[when] += count
    series, total = [], before
    for offset in range(days):
        when = start + timedelta(days=offset)
        total += added[when]
        series.append((when, total))
    return series


# ---- notes ----

@dataclass
class NoteMoney:
    currency: str
    units_sold: int = 0
    sales_cents: int = 0  # totals of standing orders (paid, shipped, completed) through the note
    commission_cents: int = 0  # the creator's ledger, net of reversals


@dataclass
class NoteStats:
    id: int
    title: str
    created_at: datetime
    is_draft: bool
    views: int
    likes: int
    collects: int
    comments: int
    money: list[NoteMoney] = field(default_factory=list)  # one per currency, usually one

    @property
    def units_sold(self) -> int:
        return sum(item.units_sold for item in self.money)


def note_stats(session: Session, creator: User) -> list[NoteStats]:
    """Every note the creator wrote, newest first, with what it brought: three queries."""
    notes = session.execute(
        select(Note.id, Note.title, Note.created_at, Note.is_draft, Note.view_count, Note.like_count,
               Note.collect_count, Note.comment_count)
        .where(Note.author_id == creator.id).order_by(Note.created_at.desc(), Note.id.desc())
    ).all()
    mine = select(Note.id).where(Note.author_id == creator.id).scalar_subquery()
    money: dict[tuple[int, str], NoteMoney] = {}

    def entry(note_id: int, currency: str) -> NoteMoney:
        return money.setdefault((note_id, currency), NoteMoney(currency))

    for note_id, currency, units, sales in session.execute(
        select(Order.note_id, Order.currency, func.sum(Order.quantity), func.sum(Order.total_cents))
        .where(Order.note_id.in_(mine), Order.status.in_(SOLD)).group_by(Order.note_id, Order.currency)
    ):
        item = entry(note_id, currency)
        item.units_sold, item.sales_cents = int(units), int(sales)
    for note_id, currency, amount in session.execute(
        select(Order.note_id, LedgerEntry.currency, func.sum(LedgerEntry.amount_cents))
        .join(Order, Order.id == LedgerEntry.order_id)
        .where(LedgerEntry.user_id == creator.id, LedgerEntry.kind.in_(COMMISSION_KINDS), Order.note_id.in_(mine))
        .group_by(Order.note_id, LedgerEntry.currency)
    ):
        entry(note_id, currency).commission_cents = int(amount)
    per_note = defaultdict(list)
    for (note_id, _currency), item in sorted(money.items()):
        per_note[note_id].append(item)
    return [NoteStats(row.id, row.title, row.created_at, row.is_draft, row.view_count, row.like_count,
                      row.collect_count, row.comment_count, per_note.get(row.id, []))
            for row in notes]


# ---- rewards ----

@dataclass
class Rewards:
    totals: dict[str, int]  # currency -> cents
    items: list[Reward]  # newest first


def rewards(session: Session, creator: User) -> Rewards:
    items = list(session.scalars(select(Reward).where(Reward.user_id == creator.id)
                                 .order_by(Reward.created_at.desc(), Reward.id.desc())))
    totals: dict[str, int] = defaultdict(int)
    for item in items:
        totals[item.currency] += item.amount_cents
    return Rewards(dict(sorted(totals.items())), items)


# ---- the fission tree (裂變) ----

@dataclass
class TreeNode:
    """One share link in a spread: its sharer, what it brought, and the links made by people who
    arrived through it."""

    link_id: int
    user: User
    visits: int
    signups: int
    buyers: int
    children: list[TreeNode] = field(default_factory=list)


@dataclass
class ShareTree:
    link: ShareLink  # the creator's own link: the root
    target_title: str | None  # None: the thing is gone or not public any more
    root: TreeNode
    people: int  # links in the tree, the root included
    visits: int  # summed over the tree
    signups: int
    buyers: int


def share_trees(session: Session, creator: User) -> list[ShareTree]:
    """One tree per link the creator made, most buyers (then visits) first.

    The links of all trees come from one recursive query, depth- and size-bounded; the counts
    from two grouped queries (app.sharing.service.link_stats); target titles from one per kind.
    A link can sit in two trees (the creator arrived back through a descendant and shared again).
    """
    # An inline 0, not a bound parameter: PostgreSQL types the recursive column from this term.
    roots = (select(ShareLink.id.label("id"), ShareLink.id.label("root_id"), literal_column("0").label("depth"))
             .where(ShareLink.sharer_id == creator.id).cte("share_tree", recursive=True))
    walk = roots.union_all(
        select(ShareLink.id, roots.c.root_id, roots.c.depth + 1)
        .join(roots, ShareLink.parent_id == roots.c.id).where(roots.c.depth < TREE_MAX_DEPTH)
    )
    rows = session.execute(
        select(ShareLink, User, walk.c.root_id, walk.c.depth)
        .join(walk, walk.c.id == ShareLink.id).join(User, User.id == ShareLink.sharer_id)
        .order_by(walk.c.depth, walk.c.root_id, ShareLink.id).limit(TREE_MAX_NODES)
    ).all()
    links = {link.id: link for link, *_rest in rows}
    stats = link_stats(session, list(links.values()))
    titles = _target_titles(session, [link for link, _u, _r, depth in rows if depth == 0])

    trees: dict[int, ShareTree] = {}
    nodes: dict[tuple[int, int], TreeNode] = {}  # (root, link) -> node
    for link, user, root_id, depth in rows:
        node = TreeNode(link.id, user, link.visit_count, stats[link.id].signups, stats[link.id].buyers)
        if depth == 0:
            trees[root_id] = ShareTree(link, titles.get((link.target_kind, link.target_id)), node, 0, 0, 0, 0)
        else:
            parent = nodes.get((root_id, link.parent_id))
            if parent is None:  # a sibling path cut by the size bound
                continue
            parent.children.append(node)
        nodes[(root_id, link.id)] = node
        tree = trees[root_id]
        tree.people += 1
        tree.visits += node.visits
        tree.signups += node.signups
        tree.buyers += node.buyers
    return sorted(trees.values(), key=lambda t: (-t.buyers, -t.visits, -t.link.id))


def _target_titles(session: Session, links: list[ShareLink]) -> dict[tuple[str, int], str]:
    """What each link points at, in one query per kind; only things anyone may still see."""
    from app.catalog.models import Product

    wanted: dict[str, set[int]] = defaultdict(set)
    for link in links:
        wanted[link.target_kind].add(link.target_id)
    titles: dict[tuple[str, int], str] = {}
    if wanted["note"]:
        for note_id, title in session.execute(select(Note.id, Note.title).where(
                Note.id.in_(wanted["note"]), Note.is_draft.is_(False), Note.hidden_at.is_(None))):
            titles[("note", note_id)] = title
    if wanted["product"]:
        for product_id, name in session.execute(select(Product.id, Product.name).where(
                Product.id.in_(wanted["product"]), Product.is_listed.is_(True))):
            titles[("product", product_id)] = name
    if wanted["profile"]:
        for user_id, name in session.execute(select(User.id, User.display_name).where(
                User.id.in_(wanted["profile"]), User.suspended_at.is_(None))):
            titles[("profile", user_id)] = name
    for group_id in wanted["group"]:
        titles[("group", group_id)] = f"#{group_id}"
    return titles


# ---- everything at once, and the exports ----

@dataclass
class Dashboard:
    fans: list[tuple[date, int]]
    notes: list[NoteStats]
    rewards: Rewards
    trees: list[ShareTree]

    @property
    def followers(self) -> int:
        return self.fans[-1][1] if self.fans else 0


def get_dashboard(session: Session, creator: User) -> Dashboard:
    return Dashboard(fans_series(session, creator), note_stats(session, creator), rewards(session, creator),
                     share_trees(session, creator))


def notes_export(session: Session, creator: User) -> list[list]:
    """Rows of the notes CSV: one per note and currency it sold in (one, with zeros, if none)."""
    rows = []
    for note in note_stats(session, creator):
        for item in note.money or [NoteMoney("")]:
            rows.append([note.id, note.title, note.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"), note.views, note.likes,
                         note.collects, note.comments, item.units_sold, item.sales_cents, item.commission_cents,
                         item.currency])
    return rows


def earnings_export(session: Session, creator: User) -> list[list]:
    """Rows of the earnings CSV: the creator's ledger rows of money earned, oldest first."""
    query = (select(LedgerEntry.created_at, LedgerEntry.order_id, Order.note_id, LedgerEntry.kind,
                    LedgerEntry.amount_cents, LedgerEntry.currency)
             .join(Order, Order.id == LedgerEntry.order_id)
             .where(LedgerEntry.user_id == creator.id, LedgerEntry.kind.in_(EARNING_EXPORT_KINDS))
             .order_by(LedgerEntry.created_at, LedgerEntry.id))
    return [[created.strftime("%Y-%m-%dT%H:%M:%SZ"), order_id, note_id if note_id is not None else "", kind, amount,
             currency] for created, order_id, note_id, kind, amount, currency in session.execute(query)]
