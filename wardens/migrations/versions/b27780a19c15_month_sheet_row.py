"""month_sheet_row: a closed month's sheet, stored at the close (the snapshot)

Revision ID: b27780a19c15
Revises: 9a4c6e2f1b70
Create Date: 2026-12-01 13:11:09

One row per holder of a closed township-month with everything its sheet row shows, and
on the month its township name and totals. The close writes them, a reopening deletes
them; a closed month's sheet is read from them only.
"""
from alembic import op
import sqlalchemy as sa


revision = 'b27780a19c15'
down_revision = '9a4c6e2f1b70'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('month_sheet_row',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attendance_month_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('assignment_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('post_id', sa.Integer(), nullable=False),
    sa.Column('village_name', sa.String(length=100), nullable=False),
    sa.Column('holder_name', sa.String(length=100), nullable=False),
    sa.Column('id_number_shown', sa.String(length=32), nullable=False),
    sa.Column('post_code', sa.String(length=40), nullable=False),
    sa.Column('post_kind', sa.String(length=20), nullable=False),
    sa.Column('term_first', sa.SmallInteger(), nullable=False),
    sa.Column('term_last', sa.SmallInteger(), nullable=False),
    sa.Column('days', sa.JSON(), nullable=False),
    sa.Column('certified', sa.JSON(), nullable=False),
    sa.Column('present_days', sa.SmallInteger(), nullable=False),
    sa.Column('leave_days', sa.SmallInteger(), nullable=False),
    sa.Column('sick_days', sa.SmallInteger(), nullable=False),
    sa.Column('absent_days', sa.SmallInteger(), nullable=False),
    sa.Column('rest_days', sa.SmallInteger(), nullable=False),
    sa.Column('stopped_days', sa.SmallInteger(), nullable=False),
    sa.Column('standard', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('required_base', sa.SmallInteger(), nullable=False),
    sa.Column('required_days', sa.Numeric(precision=8, scale=2), nullable=False),
    sa.Column('rate', sa.Float(), nullable=False),
    sa.Column('deduction', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.Column('subsidy', sa.Numeric(precision=10, scale=2), nullable=False),
    sa.CheckConstraint('number >= 1', name=op.f('ck_month_sheet_row_number_positive')),
    sa.CheckConstraint('term_last >= term_first', name=op.f('ck_month_sheet_row_term_order')),
    sa.ForeignKeyConstraint(['assignment_id'], ['assignment.id'], name=op.f('fk_month_sheet_row_assignment_id_assignment')),
    sa.ForeignKeyConstraint(['attendance_month_id'], ['attendance_month.id'], name=op.f('fk_month_sheet_row_attendance_month_id_attendance_month'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_month_sheet_row_person_id_person')),
    sa.ForeignKeyConstraint(['post_id'], ['post.id'], name=op.f('fk_month_sheet_row_post_id_post')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_month_sheet_row')),
    sa.UniqueConstraint('attendance_month_id', 'assignment_id', name=op.f('uq_month_sheet_row_attendance_month_id_assignment_id')),
    sa.UniqueConstraint('attendance_month_id', 'number', name=op.f('uq_month_sheet_row_attendance_month_id_number'))
    )
    with op.batch_alter_table('month_sheet_row', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_month_sheet_row_assignment_id'), ['assignment_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_month_sheet_row_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('attendance_month', schema=None) as batch_op:
        batch_op.add_column(sa.Column('township_name', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('holders', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('total_payable', sa.Numeric(precision=14, scale=2), nullable=True))
        batch_op.add_column(sa.Column('totals', sa.JSON(), nullable=True))



def downgrade():
    with op.batch_alter_table('attendance_month', schema=None) as batch_op:
        batch_op.drop_column('totals')
        batch_op.drop_column('total_payable')
        batch_op.drop_column('holders')
        batch_op.drop_column('township_name')

    with op.batch_alter_table('month_sheet_row', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_month_sheet_row_person_id'))
        batch_op.drop_index(batch_op.f('ix_month_sheet_row_assignment_id'))

    op.drop_table('month_sheet_row')
