"""Settings versions: what saving one will change (the open months it alters), and saving it.

A save of the settings page is a new `SettingsVersion` in force from the first day of the
chosen month (docs/domain.md, Settings). Before it is written, `plan_settings_change`
says which open months (township × month, recording or submitted) will pay differently
with it; the page asks to confirm when one of them is already submitted, through the
confirmation a post's edit uses too (`attendance/pay_changes.py`). Closed months never
change: they keep the version and the numbers stored at their close.

The effective month's rule (`earliest_effective_month`): not before the earliest month still
open in some township that had holders in it, or the current month when none before it is;
a later month closed wherever it had holders is refused too (nothing of it could change:
every sheet is paid). A month closed in some townships only is allowed, and the plan names
the closed ones, which keep their sheets.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from ..attendance.pay_changes import AlteredMonth, PayChange, months_a_deduction_change_alters
from ..audit import AuditAction, record_audit
from ..dates import add_months, today as district_today
from ..errors import BadInput
from ..extensions import db
from ..labels import label
from ..models import (
    VERSIONED_FIELDS,
    Assignment,
    AttendanceMonth,
    DistrictSettings,
    MonthState,
    Post,
    SettingsVersion,
    Township,
    Village,
    forget_settings_versions,
    settings_for_month,
    settings_versions,
)
from ..models.settings import BASE_EFFECTIVE_FROM, UNVERSIONED_FIELDS
from .forms import PAYMENT_PERIODS, SETTINGS_COLUMNS, SETTINGS_LABELS
from .priority_text import format_priority_groups

# The settings a month's sheet pays with. The posts carry their own standard and required
# days (the settings' subsidy and required days are defaults for new posts), so only the
# deduction changes what an existing month pays.
PAY_FIELDS: tuple[str, ...] = ("absence_deduction",)


@dataclass
class SettingsPlan:
    """What saving these values from this month would do."""

    effective: dt.date
    replaces: SettingsVersion
    changes: dict[str, tuple[Any, Any]]
    until: dt.date | None = None  # a later version takes over from this day
    altered: list[AlteredMonth] = field(default_factory=list)
    closed: list[tuple[int, int, list[str]]] = field(default_factory=list)  # (year, month, townships) kept as closed

    @property
    def pay_change(self) -> PayChange:
        """The change as the shared confirmation sees it: the month and the new values, and the months they alter."""
        subject = [self.effective.isoformat(), sorted([k, _plain(v[1])] for k, v in self.changes.items())]
        return PayChange(subject, self.altered)

    @property
    def submitted(self) -> list[AlteredMonth]:
        return self.pay_change.submitted

    @property
    def token(self) -> str:
        return self.pay_change.token

    def needs_confirmation(self, confirmed: str | None) -> bool:
        """True when a submitted month would change and this very plan was not confirmed."""
        return self.pay_change.needs_confirmation(confirmed)


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, Decimal) or isinstance(b, Decimal):
        return Decimal(str(a)) == Decimal(str(b))
    return bool(a == b)


def versioned_changes(base: SettingsVersion, values: dict[str, Any]) -> dict[str, tuple[Any, Any]]:
    """The versioned settings whose value differs from base: field → (before, after)."""
    return {k: (getattr(base, k), values[k]) for k in VERSIONED_FIELDS
            if k in values and not _same(getattr(base, k), values[k])}


def month_text(year: int, month: int) -> str:
    return f"{year:04d}-{month:02d}"


def _months_open_before(current: tuple[int, int]) -> set[tuple[int, int]]:
    """The months before the current one still open in some active township: it had holders then and has not closed them.

    Two queries: the distinct terms per township (most agreements share their dates) and the
    closed township-months.
    """
    first_of_current = dt.date(*current, 1)
    terms = db.session.execute(
        select(Village.township_id, Assignment.term_start, func.coalesce(Assignment.ended_on, Assignment.term_end))
        .join(Post, Post.id == Assignment.post_id)
        .join(Village, Village.id == Post.village_id)
        .join(Township, Township.id == Village.township_id)
        .where(Township.active.is_(True), Assignment.term_start < first_of_current)
        .distinct()
    ).all()
    if not terms:
        return set()
    closed = set(db.session.execute(
        select(AttendanceMonth.township_id, AttendanceMonth.year, AttendanceMonth.month)
        .where(AttendanceMonth.state == MonthState.CLOSED)
    ).tuples())
    before = add_months(*current, -1)
    months: set[tuple[int, int]] = set()
    for township_id, start, end in terms:
        ym, last = (start.year, start.month), min((end.year, end.month), before)
        while ym <= last:
            if (township_id, *ym) not in closed:
                months.add(ym)
            ym = add_months(*ym, 1)
    return months


def earliest_effective_month(today: dt.date, not_before: tuple[int, int] | None = None) -> tuple[int, int]:
    """The earliest month a settings change may take effect from (docs/domain.md, Settings), not before not_before.

    The rule: the earliest month still open (recording or submitted) in some active township
    that had holders in it, or the current month (by the district's date) when no month before
    it is. A month before that is closed wherever it had holders, or had none: a version in
    force from there changes no sheet (closed sheets are snapshots) and would only make the
    history say that something was paid with it. Months from the current one on are always
    open to a change.
    """
    current = (today.year, today.month)
    if not_before is not None and not_before >= current:
        return not_before
    later = [ym for ym in _months_open_before(current) if not_before is None or ym >= not_before]
    return min(later, default=current)


def check_effective_month(effective: dt.date) -> None:
    """Refuse an effective month before the first settings or before the earliest it may be (by the field)."""
    if effective < BASE_EFFECTIVE_FROM:
        raise BadInput(_("%(month)s is before the first settings (%(first)s): choose a later month.",
                         month=month_text(effective.year, effective.month),
                         first=month_text(BASE_EFFECTIVE_FROM.year, BASE_EFFECTIVE_FROM.month)),
                       field="effective_from")
    month, today = (effective.year, effective.month), district_today()
    allowed = earliest_effective_month(today, not_before=month)
    if allowed == month:
        return
    earliest = earliest_effective_month(today)
    if month < earliest:
        raise BadInput(_("%(month)s is before %(earliest)s, the earliest month a change can take effect from: every "
                         "month before it is closed wherever it had holders (its sheets are paid and keep their "
                         "settings) or had none. Choose %(earliest)s or later.",
                         month=month_text(*month), earliest=month_text(*earliest)),
                       field="effective_from")
    # A month after the earliest open one, closed wherever it had holders: the next open one is named.
    raise BadInput(_("%(month)s is closed in every township: its sheets are paid and keep their settings. "
                     "Choose %(open)s or later.", month=month_text(*month), open=month_text(*allowed)),
                   field="effective_from")


def plan_settings_change(values: dict[str, Any], effective: dt.date) -> SettingsPlan:
    """What saving values in force from the effective month would change (refuses a month it may not take)."""
    effective = effective.replace(day=1)
    check_effective_month(effective)
    replaces = settings_for_month(effective.year, effective.month)
    changes = versioned_changes(replaces, values)
    until = next((v.effective_from for v in settings_versions() if v.effective_from > effective), None)
    plan = SettingsPlan(effective, replaces, changes, until)
    if any(k in changes for k in PAY_FIELDS):
        plan.altered, plan.closed = months_a_deduction_change_alters(effective, until)
    return plan


def save_settings(row: DistrictSettings, values: dict[str, Any], effective: dt.date, *,
                  confirmed: str | None, actor_id: int | None) -> tuple[SettingsPlan, SettingsVersion | None, bool]:
    """Save the settings page: a new version from the effective month and the unversioned names.

    Refuses when a submitted month would change and this plan was not confirmed (the list
    of months moved since the page showed it). Returns the plan, the new version (None when
    no versioned setting changed) and whether anything was saved; one audit event.
    """
    plan = plan_settings_change(values, effective)
    plan.pay_change.refuse_unconfirmed(confirmed, field="effective_from")
    plain_changed = {k: (getattr(row, k), values[k]) for k in UNVERSIONED_FIELDS
                     if k in values and not _same(getattr(row, k), values[k])}
    if not plan.changes and not plain_changed:
        return plan, None, False
    for key, (_before, after) in plain_changed.items():
        setattr(row, key, after)
    version = None
    if plan.changes:
        version = SettingsVersion(
            effective_from=plan.effective,
            created_by_id=actor_id,
            changes={k: [_plain(b), _plain(a)] for k, (b, a) in plan.changes.items()},
            **{k: values.get(k, getattr(plan.replaces, k)) for k in VERSIONED_FIELDS},
        )
        db.session.add(version)
    db.session.flush()
    forget_settings_versions()
    every = plan.changes | plain_changed
    after: dict[str, Any] = {k: a for k, (_b, a) in every.items()}
    if version is not None:
        after["effective_from"] = plan.effective
    record_audit(
        AuditAction.SETTINGS_CHANGED,
        version if version is not None else row,
        before={k: b for k, (b, _a) in every.items()},
        after=after,
        actor_id=actor_id,
    )
    return plan, version, True


# --- words -----------------------------------------------------------------------------


def value_text(name: str, value: Any) -> str:
    """A setting's value in the reader's words."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if name == "priority_groups":
        return format_priority_groups(value).replace("\n", "；")
    if name == "scope":
        return label("scope", value)
    if name == "default_labour":
        return label("labour", value)
    if name == "payment_period":
        return str(PAYMENT_PERIODS.get(value, value))
    return str(value)


def change_labels(changes: dict[str, Any]) -> list[str]:
    """The names of the settings a version changed, in the page's order."""
    return [str(SETTINGS_LABELS[k]) for k in SETTINGS_COLUMNS if k in changes]


def change_lines(changes: dict[str, Any]) -> list[str]:
    """Each change of a version as 'setting: before → after'."""
    return [_("%(field)s: %(before)s → %(after)s", field=str(SETTINGS_LABELS[k]),
              before=value_text(k, changes[k][0]), after=value_text(k, changes[k][1]))
            for k in SETTINGS_COLUMNS if k in changes]

