"""run_decision.position: a run's decisions are stored once, as its decision records

Revision ID: d5e9f2a3b4c6
Revises: c4d8e1f2a3b5
Create Date: 2026-12-01 16:45:00

A run stored its result whole and each decision again as a run_decision row (a county's
run: 1 MB twice). New runs keep only the result's head in allocation_run.result, with None
where its two lists of decisions stood, and the decisions as run_decision rows in their
place (`position`). Runs stored before keep their whole result; nothing is rewritten.
"""
from alembic import op
import sqlalchemy as sa


revision = 'd5e9f2a3b4c6'
down_revision = 'c4d8e1f2a3b5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('run_decision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('position', sa.Integer(), nullable=True))


def downgrade():
    # Runs stored as head and records cannot be read without the position: refuse rather than lose them.
    connection = op.get_bind()
    if connection.execute(sa.text("SELECT count(*) FROM run_decision WHERE position IS NOT NULL")).scalar():
        raise RuntimeError("runs stored with their decisions as records would lose their order: not downgrading")
    with op.batch_alter_table('run_decision', schema=None) as batch_op:
        batch_op.drop_column('position')
