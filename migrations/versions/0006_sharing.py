"""sharing: links, referrals, rewards, vouchers, group buys

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 21:39:55.775670
"""

from alembic import op
import sqlalchemy as sa
import app.db


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('vouchers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cause', sa.String(length=80), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('min_spend_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('used_order_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.db.UTCDateTime(), nullable=False),
    sa.Column('expires_at', app.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint('amount_cents > 0', name=op.f('ck_vouchers_amount_positive')),
    sa.CheckConstraint('min_spend_cents >= amount_cents', name=op.f('ck_vouchers_min_spend_covers_amount')),
    sa.ForeignKeyConstraint(['used_order_id'], ['orders.id'], name=op.f('fk_vouchers_used_order_id_orders'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_vouchers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vouchers')),
    sa.UniqueConstraint('cause', name=op.f('uq_vouchers_cause')),
    sa.UniqueConstraint('used_order_id', name=op.f('uq_vouchers_used_order_id'))
    )
    with op.batch_alter_table('vouchers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vouchers_user_id'), ['user_id'], unique=False)

    op.create_table('share_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('sharer_id', sa.Integer(), nullable=False),
    sa.Column('target_kind', sa.String(length=10), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('visit_count', sa.Integer(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint("target_kind IN ('note', 'product', 'profile', 'group')", name=op.f('ck_share_links_target_kind_known')),
    sa.ForeignKeyConstraint(['parent_id'], ['share_links.id'], name=op.f('fk_share_links_parent_id_share_links'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['sharer_id'], ['users.id'], name=op.f('fk_share_links_sharer_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_links')),
    sa.UniqueConstraint('code', name=op.f('uq_share_links_code')),
    sa.UniqueConstraint('sharer_id', 'target_kind', 'target_id', name='uq_share_links_sharer_target')
    )
    with op.batch_alter_table('share_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_links_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index('ix_share_links_target', ['target_kind', 'target_id'], unique=False)

    op.create_table('referrals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('referrer_id', sa.Integer(), nullable=False),
    sa.Column('referred_id', sa.Integer(), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=True),
    sa.Column('created_at', app.db.UTCDateTime(), nullable=False),
    sa.CheckConstraint('referrer_id <> referred_id', name=op.f('ck_referrals_not_self')),
    sa.ForeignKeyConstraint(['link_id'], ['share_links.id'], name=op.f('fk_referrals_link_id_share_links'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['referred_id'], ['users.id'], name=op.f('fk_referrals_referred_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['referrer_id'], ['users.id'], name=op.f('fk_referrals_referrer_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_referrals')),
    sa.UniqueConstraint('referred_id', name=op.f('uq_referrals_referred_id'))
    )
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_referrals_link_id'), ['link_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_referrals_referrer_id'), ['referrer_id'], unique=False)

    op.create_table('group_buys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('leader_id', sa.Integer(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('unit_price_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('status', sa.String(length=8), nullable=False),
    sa.Column('seats_taken', sa.Integer(), nullable=False),
    sa.Column('paid_count', sa.Integer(), nullable=False),
    sa.Column('reserved_units', sa.Integer(), nullable=False),
    sa.Column('deadline', app.db.UTCDateTime(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(), nullable=False),
    sa.Column('closed_at', app.db.UTCDateTime(), nullable=True),
    sa.CheckConstraint("status IN ('open', 'filled', 'expired')", name=op.f('ck_group_buys_status_known')),
    sa.CheckConstraint('paid_count >= 0 AND paid_count <= seats_taken', name=op.f('ck_group_buys_paid_within_seats')),
    sa.CheckConstraint('seats_taken >= 0 AND seats_taken <= size', name=op.f('ck_group_buys_seats_within_size')),
    sa.CheckConstraint('size >= 2', name=op.f('ck_group_buys_size_at_least_two')),
    sa.ForeignKeyConstraint(['leader_id'], ['users.id'], name=op.f('fk_group_buys_leader_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_group_buys_product_id_products'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_buys'))
    )
    with op.batch_alter_table('group_buys', schema=None) as batch_op:
        batch_op.create_index('ix_group_buys_product_status', ['product_id', 'status'], unique=False)
        batch_op.create_index('ix_group_buys_status_deadline', ['status', 'deadline'], unique=False)

    op.create_table('rewards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('cause', sa.String(length=80), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=True),
    sa.Column('order_id', sa.Integer(), nullable=True),
    sa.Column('amount_cents', sa.Integer(), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_rewards_order_id_orders'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['referral_id'], ['referrals.id'], name=op.f('fk_rewards_referral_id_referrals'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_rewards_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rewards')),
    sa.UniqueConstraint('cause', name=op.f('uq_rewards_cause'))
    )
    with op.batch_alter_table('rewards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rewards_user_id'), ['user_id'], unique=False)

    op.create_table('group_members',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('group_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['group_id'], ['group_buys.id'], name=op.f('fk_group_members_group_id_group_buys'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name=op.f('fk_group_members_order_id_orders'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_group_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_group_members')),
    sa.UniqueConstraint('group_id', 'user_id', name='uq_group_members_group_user'),
    sa.UniqueConstraint('order_id', name=op.f('uq_group_members_order_id'))
    )
    with op.batch_alter_table('group_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_group_members_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('view_count', sa.Integer(), nullable=False, server_default='0'))

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('share_link_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('group_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('credit_cents', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('discount_cents', sa.Integer(), nullable=False, server_default='0'))
        batch_op.create_index(batch_op.f('ix_orders_group_id'), ['group_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_orders_share_link_id'), ['share_link_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_orders_share_link_id_share_links'), 'share_links', ['share_link_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_orders_group_id_group_buys'), 'group_buys', ['group_id'], ['id'], ondelete='RESTRICT')
        batch_op.create_check_constraint(
            'paid_parts_within_total',
            'credit_cents >= 0 AND discount_cents >= 0 AND credit_cents + discount_cents <= total_cents')



def downgrade() -> None:
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_orders_paid_parts_within_total'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_orders_group_id_group_buys'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_orders_share_link_id_share_links'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_orders_share_link_id'))
        batch_op.drop_index(batch_op.f('ix_orders_group_id'))
        batch_op.drop_column('discount_cents')
        batch_op.drop_column('credit_cents')
        batch_op.drop_column('group_id')
        batch_op.drop_column('share_link_id')

    with op.batch_alter_table('notes', schema=None) as batch_op:
        batch_op.drop_column('view_count')

    with op.batch_alter_table('group_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_group_members_user_id'))

    op.drop_table('group_members')
    with op.batch_alter_table('rewards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rewards_user_id'))

    op.drop_table('rewards')
    with op.batch_alter_table('group_buys', schema=None) as batch_op:
        batch_op.drop_index('ix_group_buys_status_deadline')
        batch_op.drop_index('ix_group_buys_product_status')

    op.drop_table('group_buys')
    with op.batch_alter_table('referrals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_referrals_referrer_id'))
        batch_op.drop_index(batch_op.f('ix_referrals_link_id'))

    op.drop_table('referrals')
    with op.batch_alter_table('share_links', schema=None) as batch_op:
        batch_op.drop_index('ix_share_links_target')
        batch_op.drop_index(batch_op.f('ix_share_links_parent_id'))

    op.drop_table('share_links')
    with op.batch_alter_table('vouchers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_vouchers_user_id'))

    op.drop_table('vouchers')
