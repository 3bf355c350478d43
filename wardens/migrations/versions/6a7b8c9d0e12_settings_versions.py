"""Pay and rule settings are dated versions, each in force from a month

Revision ID: 6a7b8c9d0e12
Revises: 5e1a0c2b9d41
Create Date: 2026-12-01 13:30:00

Changing the deduction rewrote the pay of open (even submitted) months: the one settings row
was read by every month. Each rule setting now lives in `settings_version`, in force from the
first day of a month; the row's values become the version in force from the start. Only the
names and the account lockout stay in `district_settings` (they pay nothing).
"""
import datetime as dt

import sqlalchemy as sa
from alembic import op

revision = '6a7b8c9d0e12'
down_revision = '5e1a0c2b9d41'
branch_labels = None
depends_on = None

VERSIONED = (
    ('min_age', sa.Integer(), 18), ('max_age', sa.Integer(), 60), ('max_age_extended', sa.Integer(), 65),
    ('default_labour', sa.String(length=10), 'weak'), ('scope', sa.String(length=20), 'village'),
    ('one_post_per_household', sa.Boolean(), True), ('exclude_stable_employment', sa.Boolean(), True),
    ('exclude_away_working', sa.Boolean(), True), ('max_choices', sa.Integer(), 3),
    ('priority_groups', sa.JSON(), None),
    ('required_days', sa.Integer(), 20), ('monthly_subsidy', sa.Numeric(precision=10, scale=2), 600),
    ('absence_deduction', sa.Numeric(precision=10, scale=2), 0), ('sick_certificate_days', sa.Integer(), 3),
    ('correction_reason_after_days', sa.Integer(), 3), ('submission_deadline_day', sa.Integer(), 25),
    ('payment_period', sa.String(length=20), 'monthly'),
    ('dismissal_absent_days', sa.Integer(), 5), ('dismissal_rate', sa.Numeric(precision=4, scale=2), 0.6),
    ('dismissal_rate_months', sa.Integer(), 3),
    ('good_standing_rate', sa.Numeric(precision=4, scale=2), 0.9), ('notice_days', sa.Integer(), 5),
    ('km_per_warden', sa.Numeric(precision=5, scale=2), 3), ('village_post_cap', sa.Integer(), 4),
)
CHECKS = (
    ('age_range', 'min_age <= max_age AND max_age <= max_age_extended'),
    ('scope_known', "scope IN ('village', 'neighbouring', 'township')"),
    ('labour_known', "default_labour IN ('none', 'weak', 'full')"),
    ('required_days_range', 'required_days >= 1 AND required_days <= 31'),
    ('km_per_warden_positive', 'km_per_warden > 0'),
    ('good_standing_rate', 'good_standing_rate >= 0 AND good_standing_rate <= 1'),
    ('dismissal_rate', 'dismissal_rate >= 0 AND dismissal_rate <= 1'),
)
NAMES = [name for name, _type, _default in VERSIONED]


def upgrade():
    version = op.create_table(
        'settings_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('effective_from', sa.Date(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('changes', sa.JSON(), nullable=True),
        *[sa.Column(name, type_, nullable=False) for name, type_, _default in VERSIONED],
        *[sa.CheckConstraint(sql, name=op.f(f'ck_settings_version_{name}')) for name, sql in CHECKS],
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], name=op.f('fk_settings_version_created_by_id_user')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_settings_version')),
    )
    with op.batch_alter_table('settings_version', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_settings_version_effective_from'), ['effective_from'], unique=False)

    # The row's values become the version in force from the start.
    bind = op.get_bind()
    old = sa.table('district_settings', sa.column('id'), *[sa.column(name, type_) for name, type_, _d in VERSIONED])
    row = bind.execute(sa.select(*[old.c[name] for name in NAMES]).where(old.c.id == 1)).mappings().first()
    if row is not None:
        op.bulk_insert(version, [{
            'effective_from': dt.date(2000, 1, 1),
            'created_at': dt.datetime.now(dt.timezone.utc),
            'created_by_id': None,
            'changes': None,
            **dict(row),
        }])

    with op.batch_alter_table('district_settings', schema=None) as batch_op:
        for name, _sql in CHECKS:
            batch_op.drop_constraint(op.f(f'ck_district_settings_{name}'), type_='check')
        for name in NAMES:
            batch_op.drop_column(name)


def downgrade():
    with op.batch_alter_table('district_settings', schema=None) as batch_op:
        for name, type_, default in VERSIONED:
            server_default = None if default is None else sa.text(repr(default) if not isinstance(default, bool)
                                                                 else ('true' if default else 'false'))
            if name == 'priority_groups':
                server_default = sa.text("'[]'")
            batch_op.add_column(sa.Column(name, type_, nullable=False, server_default=server_default))
    bind = op.get_bind()
    version = sa.table('settings_version', sa.column('id'), sa.column('effective_from'),
                       *[sa.column(name, type_) for name, type_, _d in VERSIONED])
    latest = bind.execute(
        sa.select(*[version.c[name] for name in NAMES]).order_by(version.c.effective_from.desc(), version.c.id.desc())
    ).mappings().first()
    if latest is not None:
        old = sa.table('district_settings', sa.column('id'), *[sa.column(name, type_) for name, type_, _d in VERSIONED])
        bind.execute(old.update().where(old.c.id == 1).values(**dict(latest)))
    with op.batch_alter_table('district_settings', schema=None) as batch_op:
        for name, _type, _default in VERSIONED:
            batch_op.alter_column(name, server_default=None)
        for name, sql in CHECKS:
            batch_op.create_check_constraint(op.f(f'ck_district_settings_{name}'), sql)
    with op.batch_alter_table('settings_version', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_settings_version_effective_from'))
    op.drop_table('settings_version')
