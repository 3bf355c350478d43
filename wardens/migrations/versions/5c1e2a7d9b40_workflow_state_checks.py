"""A run's kind and an application's source are checked like the workflow states

Revision ID: 5c1e2a7d9b40
Revises: 31b1bd810cac
Create Date: 2026-12-01 10:20:00

The round, month and dismissal columns already had their CHECK constraints (the enum
columns keep those names and contents); the run kind and the application source were
free text.
"""
from alembic import op

revision = '5c1e2a7d9b40'
down_revision = '31b1bd810cac'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('allocation_run', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_allocation_run_kind_known'), "kind IN ('round', 'mid_year')")
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_application_source_known'),
                                         "source IN ('manual', 'holder', 'import', 'demo')")


def downgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_application_source_known'), type_='check')
    with op.batch_alter_table('allocation_run', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_allocation_run_kind_known'), type_='check')
