"""Undo a 停工 and a 清退: a stoppage keeps every holder-day it overwrote, a dismissal how the agreement ended before

Revision ID: b7e41c9a2d35
Revises: 9a4c2e7f1b30
Create Date: 2026-12-01 13:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b7e41c9a2d35'
down_revision = '9a4c2e7f1b30'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stoppage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('holder_days', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('state', sa.String(length=10), nullable=False, server_default='declared'))
        batch_op.add_column(sa.Column('undone_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('undo_reason', sa.String(length=500), nullable=True))
        batch_op.create_check_constraint(op.f('ck_stoppage_state_known'), "state IN ('declared', 'undone')")
        batch_op.create_foreign_key(batch_op.f('fk_stoppage_undone_by_id_user'), 'user', ['undone_by_id'], ['id'])
    with op.batch_alter_table('stoppage', schema=None) as batch_op:
        batch_op.alter_column('holder_days', server_default=None)
        batch_op.alter_column('state', server_default=None)

    op.create_table('stoppage_day',
    sa.Column('stoppage_id', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('previous_status', sa.String(length=10), nullable=True),
    sa.Column('previous_note', sa.String(length=200), nullable=True),
    sa.Column('previous_certificate', sa.Boolean(), nullable=False),
    sa.Column('previous_version', sa.Integer(), nullable=False),
    sa.CheckConstraint('previous_version >= 0', name=op.f('ck_stoppage_day_previous_version_not_negative')),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], name=op.f('fk_stoppage_day_assignment_id_assignment')),
    sa.ForeignKeyConstraint(['stoppage_id'], ['stoppage.id'], name=op.f('fk_stoppage_day_stoppage_id_stoppage')),
    sa.PrimaryKeyConstraint('stoppage_id', 'assignment_id', 'day', name=op.f('pk_stoppage_day'))
    )
    with op.batch_alter_table('stoppage_day', schema=None) as batch_op:
        batch_op.create_index('ix_stoppage_day_assignment_day', ['assignment_id', 'day'], unique=False)

    with op.batch_alter_table('attendance_change', schema=None) as batch_op:
        batch_op.alter_column('new_status', existing_type=sa.String(length=10), nullable=True)

    with op.batch_alter_table('dismissal_case', schema=None) as batch_op:
        batch_op.add_column(sa.Column('prior_ended_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('prior_end_reason', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('prior_end_note', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('dismissed_with_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_dismissal_case_dismissed_with_id_dismissal_case'), 'dismissal_case',
                                    ['dismissed_with_id'], ['id'])


def downgrade():
    with op.batch_alter_table('dismissal_case', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_dismissal_case_dismissed_with_id_dismissal_case'), type_='foreignkey')
        batch_op.drop_column('dismissed_with_id')
        batch_op.drop_column('prior_end_note')
        batch_op.drop_column('prior_end_reason')
        batch_op.drop_column('prior_ended_on')
    op.execute("DELETE FROM attendance_change WHERE new_status IS NULL")
    with op.batch_alter_table('attendance_change', schema=None) as batch_op:
        batch_op.alter_column('new_status', existing_type=sa.String(length=10), nullable=False)
    with op.batch_alter_table('stoppage_day', schema=None) as batch_op:
        batch_op.drop_index('ix_stoppage_day_assignment_day')
    op.drop_table('stoppage_day')
    with op.batch_alter_table('stoppage', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_stoppage_undone_by_id_user'), type_='foreignkey')
        batch_op.drop_constraint(op.f('ck_stoppage_state_known'), type_='check')
        batch_op.drop_column('undo_reason')
        batch_op.drop_column('undone_at')
        batch_op.drop_column('undone_by_id')
        batch_op.drop_column('state')
        batch_op.drop_column('holder_days')
