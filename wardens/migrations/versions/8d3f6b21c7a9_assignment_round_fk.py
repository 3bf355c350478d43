"""An agreement's round_id is a foreign key to the round that made it

Revision ID: 8d3f6b21c7a9
Revises: 5c1e2a7d9b40
Create Date: 2026-12-01 11:30:00

It was a bare integer: nothing kept it pointing at a round that exists.
"""
from alembic import op

revision = '8d3f6b21c7a9'
down_revision = '5c1e2a7d9b40'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.create_foreign_key(batch_op.f('fk_assignment_round_id_round'), 'round', ['round_id'], ['id'])


def downgrade():
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_assignment_round_id_round'), type_='foreignkey')
