"""The workflows' states: one enum each, with words, a transition table, and columns that hold only them."""
from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, StatementError

from wardens.errors import Refusal
from wardens.extensions import db
from wardens.models import AttendanceMonth, MonthState, Round, RoundState
from wardens.models.enums import (
    ROUND_AGREED,
    ROUND_EDITABLE,
    ROUND_PUBLISHED,
    ROUND_UNFINISHED,
    ApplicationSource,
    DismissalState,
    ObjectionState,
    RunKind,
    StoppageState,
    WorkflowState,
    require_state,
    require_step,
)

WORKFLOWS = (RoundState, MonthState, ObjectionState, DismissalState, StoppageState)


def test_a_round_goes_one_way_from_applications_to_in_force():
    order = list(RoundState)
    for state, following in zip(order, order[1:]):
        assert state.next_states == {following}
    assert RoundState.IN_FORCE.next_states == frozenset()
    assert not RoundState.NOTICE.may_become(RoundState.APPLICATIONS)


def test_a_month_is_submitted_closed_sent_back_and_reopened():
    assert MonthState.RECORDING.next_states == {MonthState.SUBMITTED}
    assert MonthState.SUBMITTED.next_states == {MonthState.CLOSED, MonthState.RECORDING}
    assert MonthState.CLOSED.next_states == {MonthState.RECORDING}


def test_flags_and_objections_are_decided_once():
    assert DismissalState.OPEN.next_states == {DismissalState.DISMISSED, DismissalState.CLEARED}
    # A dismissal can be undone by the office (the flag is open again); a cleared flag is final.
    assert DismissalState.DISMISSED.next_states == {DismissalState.OPEN}
    assert DismissalState.CLEARED.next_states == frozenset()
    assert ObjectionState.OPEN.next_states == {ObjectionState.SETTLED}


def test_the_named_sets_of_round_states():
    assert ROUND_EDITABLE == (RoundState.APPLICATIONS, RoundState.PROPOSED)
    assert set(ROUND_UNFINISHED) == set(RoundState) - set(ROUND_AGREED)
    assert set(ROUND_PUBLISHED) == {RoundState.NOTICE} | set(ROUND_AGREED)


@pytest.mark.parametrize("workflow", WORKFLOWS)
def test_every_state_has_words_in_both_languages(app_ctx, workflow: type[WorkflowState]):
    with force_locale("zh"):
        chinese = [s.label for s in workflow]
    with force_locale("en"):
        english = [s.label for s in workflow]
    assert len(set(chinese)) == len(chinese) and len(set(english)) == len(english)
    assert all(zh != en for zh, en in zip(chinese, english)), "a state is not translated"


def test_codes_unknown_to_the_enum_are_shown_as_stored(app_ctx):
    assert RoundState.label_of("withdrawn") == "withdrawn"
    with force_locale("zh"):
        assert RoundState.label_of("notice") == "公示中"
        assert ApplicationSource.label_of("holder") == "现任在岗人员"
        assert RunKind.MID_YEAR.label == "年中补岗"


def test_require_state_refuses_with_both_states_in_words(app_ctx):
    rnd = Round(state=RoundState.NOTICE)
    require_state(rnd, RoundState.NOTICE)
    with force_locale("en"), pytest.raises(Refusal) as refused:
        require_state(rnd, *ROUND_EDITABLE)
    assert refused.value.status == 409
    assert str(refused.value) == ("This cannot be done while the round is “On public notice”; "
                                  "it needs it to be “Applications open”/“Proposal calculated”.")
    with force_locale("en"), pytest.raises(Refusal) as skipped:
        require_step(Round(state=RoundState.APPLICATIONS), RoundState.NOTICE)
    assert "“Proposal calculated”" in str(skipped.value)


def test_the_column_stores_the_code_and_reads_back_the_member(make):
    township = make.township()
    db.session.add(AttendanceMonth(township_id=township.id, year=2026, month=5, state=MonthState.SUBMITTED))
    db.session.commit()
    stored = db.session.execute(text("SELECT state FROM attendance_month")).scalar_one()
    assert stored == "submitted"
    month = db.session.scalars(db.select(AttendanceMonth)).one()
    assert month.state is MonthState.SUBMITTED


def test_the_database_refuses_a_state_that_is_not_in_the_enum(make):
    township = make.township()
    with pytest.raises(StatementError):
        db.session.add(AttendanceMonth(township_id=township.id, year=2026, month=5, state="paid"))
        db.session.flush()
    db.session.rollback()
    with pytest.raises(IntegrityError):
        db.session.execute(text("INSERT INTO attendance_month (township_id, year, month, state) "
                                "VALUES (:t, 2026, 6, 'paid')"), {"t": township.id})
    db.session.rollback()
