"""login_address: failed logins per network address (the per-address slow-down)

Revision ID: 5e1a0c2b9d41
Revises: 8d3f6b21c7a9
Create Date: 2026-12-01 10:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5e1a0c2b9d41'
down_revision = '8d3f6b21c7a9'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('login_address',
    sa.Column('address', sa.String(length=64), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('window_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('paused_until', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('failures >= 0', name=op.f('ck_login_address_address_failures_not_negative')),
    sa.PrimaryKeyConstraint('address', name=op.f('pk_login_address'))
    )


def downgrade():
    op.drop_table('login_address')
