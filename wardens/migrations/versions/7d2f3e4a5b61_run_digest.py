"""run digest and decisions: pages read a run's digest and the records of the rows they show

Revision ID: 7d2f3e4a5b61
Revises: 5c1e2d3a4b60
Create Date: 2026-12-01 11:45:00

"""
from alembic import op
import sqlalchemy as sa

from wardens.reallocation.digest import decision_records, run_digest


revision = '7d2f3e4a5b61'
down_revision = '5c1e2d3a4b60'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('run_decision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('entry', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['allocation_run.id'], name=op.f('fk_run_decision_run_id_allocation_run'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_run_decision')),
    sa.UniqueConstraint('run_id', 'person_id', name=op.f('uq_run_decision_run_id_person_id'))
    )
    with op.batch_alter_table('allocation_run', schema=None) as batch_op:
        batch_op.add_column(sa.Column('digest', sa.JSON(), nullable=True))
    # Every run stored before gets its digest and its decisions from its own problem and result.
    runs = sa.table('allocation_run', sa.column('id', sa.Integer()), sa.column('problem', sa.JSON()),
                    sa.column('result', sa.JSON()), sa.column('digest', sa.JSON()))
    decisions = sa.table('run_decision', sa.column('run_id', sa.Integer()), sa.column('person_id', sa.Integer()),
                         sa.column('entry', sa.JSON()))
    connection = op.get_bind()
    for run_id, problem, result in connection.execute(sa.select(runs.c.id, runs.c.problem, runs.c.result)).all():
        connection.execute(runs.update().where(runs.c.id == run_id).values(digest=run_digest(problem, result)))
        # The columns of run_decision as this revision creates it (later ones add to the records).
        rows = [{key: r[key] for key in ("run_id", "person_id", "entry")} for r in decision_records(run_id, result)]
        if rows:
            connection.execute(decisions.insert(), rows)


def downgrade():
    with op.batch_alter_table('allocation_run', schema=None) as batch_op:
        batch_op.drop_column('digest')
    op.drop_table('run_decision')
