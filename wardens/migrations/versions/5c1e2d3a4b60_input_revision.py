"""input revision: "is this run current" without rebuilding the problem

Revision ID: 5c1e2d3a4b60
Revises: 113bcb45679b
Create Date: 2026-12-01 10:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '5c1e2d3a4b60'
down_revision = '113bcb45679b'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('input_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_input_revision'))
    )
    op.execute("INSERT INTO input_revision (id, revision) VALUES (1, 0)")
    with op.batch_alter_table('allocation_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('input_revision', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('problem_hash', sa.String(length=64), nullable=True))
    # Runs stored before this revision have no input revision: they read as not current,
    # so the office runs the matcher again before a notice (the safe side).


def downgrade():
    with op.batch_alter_table('allocation_run', schema=None) as batch_op:
        batch_op.drop_column('problem_hash')
        batch_op.drop_column('input_revision')
    op.drop_table('input_revision')
