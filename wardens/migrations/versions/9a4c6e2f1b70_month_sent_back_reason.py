"""month_sent_back_reason: why a month went back to the township, by whom and when

The clerks read the reason on the months page, the grid and their worklist until they
submit the month again. Months already sent back (or reopened) get the reason of their
latest step from the audit trail, so nothing sent back before the upgrade goes untold.

Revision ID: 9a4c6e2f1b70
Revises: b7e41c9a2d35
Create Date: 2026-12-01 13:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = '9a4c6e2f1b70'
down_revision = 'b7e41c9a2d35'
branch_labels = None
depends_on = None

STEPS = ('attendance_month.submit', 'attendance_month.return', 'attendance_month.reopen', 'attendance_month.close')
BACK = {'attendance_month.return': False, 'attendance_month.reopen': True}


def upgrade():
    with op.batch_alter_table('attendance_month', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sent_back_reason', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('sent_back_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('sent_back_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('sent_back_by_reopening', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_attendance_month_sent_back_by_id_user'), 'user', ['sent_back_by_id'], ['id'])

    conn = op.get_bind()
    month = sa.table('attendance_month', sa.column('id', sa.Integer), sa.column('state', sa.String),
                     sa.column('sent_back_reason', sa.String), sa.column('sent_back_by_id', sa.Integer),
                     sa.column('sent_back_at', sa.DateTime(timezone=True)),
                     sa.column('sent_back_by_reopening', sa.Boolean))
    event = sa.table('audit_event', sa.column('id', sa.Integer), sa.column('at', sa.DateTime(timezone=True)),
                     sa.column('actor_id', sa.Integer), sa.column('action', sa.String),
                     sa.column('entity_type', sa.String), sa.column('entity_id', sa.Integer),
                     sa.column('reason', sa.String))
    recording = sa.select(month.c.id).where(month.c.state == 'recording')
    latest = {}
    for row in conn.execute(
        sa.select(event.c.entity_id, event.c.action, event.c.actor_id, event.c.at, event.c.reason)
        .where(event.c.entity_type == 'attendance_month', event.c.action.in_(STEPS), event.c.entity_id.in_(recording))
        .order_by(event.c.at, event.c.id)
    ):
        latest[row.entity_id] = row
    for month_id, row in latest.items():
        if row.action in BACK:
            conn.execute(month.update().where(month.c.id == month_id).values(
                sent_back_reason=(row.reason or '')[:500] or None, sent_back_by_id=row.actor_id, sent_back_at=row.at,
                sent_back_by_reopening=BACK[row.action]))


def downgrade():
    with op.batch_alter_table('attendance_month', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_attendance_month_sent_back_by_id_user'), type_='foreignkey')
        batch_op.drop_column('sent_back_by_reopening')
        batch_op.drop_column('sent_back_at')
        batch_op.drop_column('sent_back_by_id')
        batch_op.drop_column('sent_back_reason')
