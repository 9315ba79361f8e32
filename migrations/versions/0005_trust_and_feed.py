"""trust scores, note scores, feed snapshots

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 20:40:00
"""

from alembic import op
import sqlalchemy as sa
import app.db


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('user_trust',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('spend_units', sa.Float(), nullable=False),
    sa.Column('lockstep', sa.Boolean(), nullable=False),
    sa.Column('damping', sa.Float(), nullable=False),
    sa.Column('computed_at', app.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_user_trust_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_user_trust'))
    )
    op.create_table('note_scores',
    sa.Column('note_id', sa.Integer(), nullable=False),
    sa.Column('engagement', sa.Float(), nullable=False),
    sa.Column('trusted_likers', sa.Integer(), nullable=False),
    sa.Column('verified_likers', sa.Integer(), nullable=False),
    sa.Column('author_bought', sa.Boolean(), nullable=False),
    sa.Column('computed_at', app.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['note_id'], ['notes.id'], name=op.f('fk_note_scores_note_id_notes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('note_id', name=op.f('pk_note_scores'))
    )
    op.create_table('trust_state',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('running_since', app.db.UTCDateTime(), nullable=True),
    sa.Column('computed_at', app.db.UTCDateTime(), nullable=True),
    sa.Column('evidence_rows', sa.Integer(), nullable=False),
    sa.Column('users', sa.Integer(), nullable=False),
    sa.Column('edges', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_trust_state'))
    )
    op.create_table('feed_snapshots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=12), nullable=False),
    sa.Column('viewer_id', sa.Integer(), nullable=True),
    sa.Column('items', sa.Text(), nullable=False),
    sa.Column('created_at', app.db.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['viewer_id'], ['users.id'], name=op.f('fk_feed_snapshots_viewer_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_feed_snapshots'))
    )
    op.create_index('ix_feed_snapshots_lookup', 'feed_snapshots', ['kind', 'viewer_id', 'created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_feed_snapshots_lookup', table_name='feed_snapshots')
    op.drop_table('feed_snapshots')
    op.drop_table('trust_state')
    op.drop_table('note_scores')
    op.drop_table('user_trust')
