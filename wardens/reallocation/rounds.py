"""A round's life: opening it with its frozen rules, and the state transitions.

States (`RoundState`, with its transition table): applications (申请中) → proposed (已测算)
→ notice (公示中) → approved (已批准) → in_force (已生效). Every transition writes one audit event.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from flask_babel import gettext as _

from ..audit import AuditAction, record_audit, snapshot
from ..extensions import db
from ..models import Round, RoundState, settings_on
from ..models.enums import ROUND_UNFINISHED, require_step
from .applications import include_current_holders
from .errors import RefusedError

ROUND_FIELDS = ("name", "year", "term_start", "term_end", "reference_date", "notice_days", "state",
                "notice_start", "notice_end", "chosen_run_id")


def frozen_rules(day: dt.date) -> dict[str, Any]:
    """The district's allocation rules in force on day (the round's opening) as plain data, to freeze into it.

    The round keeps them: a settings version saved later (whatever month it takes effect
    from) never changes a round's rules.
    """
    s = settings_on(day)
    return {
        "scope": s.scope,
        "priority_groups": [list(g) for g in s.priority_groups],
        "one_post_per_household": bool(s.one_post_per_household),
        "only_chosen_posts": False,
        "protect_incumbents": False,
        "min_age": s.min_age,
        "max_age": s.max_age,
        "max_age_extended": s.max_age_extended,
        "default_labour": s.default_labour,
        "good_standing_rate": str(s.good_standing_rate),
        "exclude_stable_employment": bool(s.exclude_stable_employment),
        "exclude_away_working": bool(s.exclude_away_working),
        "max_choices": s.max_choices,
    }


def default_term(today: dt.date) -> tuple[dt.date, dt.date]:
    """Next calendar year: the usual one-year term (一年一聘)."""
    return dt.date(today.year + 1, 1, 1), dt.date(today.year + 1, 12, 31)


def open_round(
    *,
    name: str,
    year: int,
    term_start: dt.date,
    term_end: dt.date,
    reference_date: dt.date,
    notice_days: int,
    today: dt.date,
    user_id: int | None,
) -> Round:
    """Open a round with the district's current rules frozen into it, and include today's holders."""
    if term_end <= term_start:
        raise RefusedError(_("The term must end after it starts."), field="term_end")
    if notice_days < 1:
        raise RefusedError(_("The notice period must be at least one day."), field="notice_days")
    clash = db.session.scalar(
        db.select(Round).where(Round.year == year, Round.state.in_(ROUND_UNFINISHED))
    )
    if clash is not None:
        raise RefusedError(
            _("Round “%(name)s” for %(year)d is still open; finish it before opening another for the same year.",
              name=clash.name, year=year),
            field="year",
        )
    rnd = Round(
        name=name.strip(),
        year=year,
        term_start=term_start,
        term_end=term_end,
        reference_date=reference_date,
        notice_days=notice_days,
        state=RoundState.APPLICATIONS,
        rules=frozen_rules(today),
        created_by_id=user_id,
    )
    db.session.add(rnd)
    db.session.flush()
    record_audit(AuditAction.ROUND_OPEN, rnd, after=snapshot(rnd, ROUND_FIELDS + ("rules",)), actor_id=user_id)

    include_current_holders(rnd, today, actor_id=user_id)
    return rnd


def move_to(rnd: Round, state: RoundState, *, reason: str | None = None, actor_id: int | None, **changes: Any) -> None:
    """Take a round one step along its workflow (and change any other fields given), with one audit event."""
    require_step(rnd, state)
    before = snapshot(rnd, ROUND_FIELDS)
    rnd.state = state
    for key, value in changes.items():
        setattr(rnd, key, value)
    db.session.flush()
    record_audit(AuditAction.round_moved_to(state), rnd, before=before, after=snapshot(rnd, ROUND_FIELDS), reason=reason, actor_id=actor_id)


