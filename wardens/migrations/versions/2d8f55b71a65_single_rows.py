"""single rows: the district settings, the patrol settings and the base settings version are written by the migration

Revision ID: 2d8f55b71a65
Revises: d5e9f2a3b4c6
Create Date: 2026-12-02 09:00:00

No migration wrote them: the first request that read one inserted it. When the first patrol
check-ins of the first morning arrived together on PostgreSQL they all inserted the patrol
settings row and all but one got the 409 page. A fresh or upgraded database now has each
row (the input revision's row is written by 5c1e2d3a4b60). A row that is already there is
kept as it is. The values are the defaults of this revision, written out, not read from
the models (which may change later).
"""
import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from alembic import op

revision = '2d8f55b71a65'
down_revision = 'd5e9f2a3b4c6'
branch_labels = None
depends_on = None

DISTRICT = {'id': 1, 'district_name': '裕安区', 'office_name': '裕安区交通运输局路长办',
            'login_max_failures': 5, 'login_lock_minutes': 15}
PATROL = {'id': 1, 'corridor_m': 200, 'accuracy_limit_m': 100, 'retention_days': 365, 'absent_days_limit': 10,
          'photo_max_kb': 1024, 'tile_url': None, 'tile_attribution': None}
BASE_VERSION = {
    'effective_from': dt.date(2000, 1, 1),  # in force from the start; no author, no changes (NULL)
    'min_age': 18, 'max_age': 60, 'max_age_extended': 65, 'default_labour': 'weak', 'scope': 'village',
    'one_post_per_household': True, 'exclude_stable_employment': True, 'exclude_away_working': True,
    'max_choices': 3,
    'priority_groups': [['flood_affected', 'registered_poor'], ['registered_poor'], ['flood_affected'],
                        ['monitoring'], ['low_income'], ['zero_employment'], ['disabled'], []],
    'required_days': 20, 'monthly_subsidy': Decimal('600'), 'absence_deduction': Decimal('0'),
    'sick_certificate_days': 3, 'correction_reason_after_days': 3, 'submission_deadline_day': 25,
    'payment_period': 'monthly',
    'dismissal_absent_days': 5, 'dismissal_rate': Decimal('0.60'), 'dismissal_rate_months': 3,
    'good_standing_rate': Decimal('0.90'), 'notice_days': 5, 'km_per_warden': Decimal('3'), 'village_post_cap': 4,
}


def _table(name, values, **types):
    """A lightweight table of these columns: integers unless typed here (NULLs carry no type of their own)."""
    return sa.table(name, *[sa.column(key, types.get(key, sa.Integer())) for key in values])


def _write_if_missing(bind, table, values):
    if bind.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 0:
        bind.execute(table.insert().values(**values))


def upgrade():
    bind = op.get_bind()
    text = sa.String()
    _write_if_missing(bind, _table('district_settings', DISTRICT, district_name=text, office_name=text), DISTRICT)
    _write_if_missing(bind, _table('patrol_settings', PATROL, tile_url=text, tile_attribution=text), PATROL)
    base = {**BASE_VERSION, 'created_at': dt.datetime.now(dt.timezone.utc)}
    flag, money = sa.Boolean(), sa.Numeric()
    version = _table(
        'settings_version', base, effective_from=sa.Date(), created_at=sa.DateTime(timezone=True),
        default_labour=text, scope=text, one_post_per_household=flag, exclude_stable_employment=flag,
        exclude_away_working=flag, priority_groups=sa.JSON(), monthly_subsidy=money, absence_deduction=money,
        payment_period=text, dismissal_rate=money, good_standing_rate=money, km_per_warden=money,
    )
    _write_if_missing(bind, version, base)


def downgrade():
    # The rows are valid in the schema before this revision (which wrote them on first use):
    # they stay, with whatever the office has saved in them since.
    pass
