"""attendance_record: the day index also holds the holder and the status

Revision ID: c4d8e1f2a3b5
Revises: b27780a19c15
Create Date: 2026-12-01 16:30:00

The overviews count a range of days by holder and status; with both in the day index
(which every query that used it still can) those counts read the index and not the table.
"""
from alembic import op


revision = 'c4d8e1f2a3b5'
down_revision = 'b27780a19c15'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('attendance_record', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_record_day')
        batch_op.create_index('ix_attendance_record_day_holder_status', ['day', 'assignment_id', 'status'], unique=False)


def downgrade():
    with op.batch_alter_table('attendance_record', schema=None) as batch_op:
        batch_op.drop_index('ix_attendance_record_day_holder_status')
        batch_op.create_index('ix_attendance_record_day', ['day'], unique=False)
