"""input revision: "is this run current" without rebuilding the problem; run summaries; one result per run

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
        batch_op.add_column(sa.Column('summary', sa.JSON(), nullable=True))
    runs = sa.table('allocation_run', sa.column('id', sa.Integer()), sa.column('result', sa.JSON()),
                    sa.column('summary', sa.JSON()))
    connection = op.get_bind()
    for run_id, result in connection.execute(sa.select(runs.c.id, runs.c.result)).all():
        connection.execute(runs.update().where(runs.c.id == run_id).values(summary=(result or {}).get('summary', {})))
    with op.batch_alter_table('allocation_run', schema=None) as batch_op:
        batch_op.alter_column('summary', existing_type=sa.JSON(), nullable=False)
        # Solved once: the English copy of every result goes (the reasons are codes now,
        # rendered in the reader's language; a run stored before keeps its Chinese reasons).
        batch_op.drop_column('result_en')
    # Runs stored before this revision have no input revision: they read as not current,
    # so the office runs the matcher again before a notice (the safe side).


def downgrade():
    with op.batch_alter_table('allocation_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('result_en', sa.JSON(), nullable=True))
        batch_op.drop_column('summary')
        batch_op.drop_column('problem_hash')
        batch_op.drop_column('input_revision')
    op.drop_table('input_revision')
