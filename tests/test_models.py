"""Integrity lives in the database too: these go straight past the forms."""
import datetime as dt

import pytest
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from wardens.extensions import db
from wardens.models import AttendanceRecord, Assignment, Post, User


def test_duplicate_id_number_is_refused_by_the_database(make):
    person = make.person()
    db.session.commit()
    with pytest.raises(IntegrityError):
        make.person(id_number=person.id_number)
    db.session.rollback()


def test_duplicate_attendance_day_is_refused_by_the_database(make):
    assignment = make.assignment()
    db.session.add(AttendanceRecord(assignment_id=assignment.id, day=dt.date(2026, 3, 2), status="present"))
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(
            insert(AttendanceRecord).values(assignment_id=assignment.id, day=dt.date(2026, 3, 2), status="absent")
        )
    db.session.rollback()


@pytest.mark.parametrize(
    "columns",
    [{"slots": -1}, {"min_age": 60, "max_age": 50}, {"required_days": 0}, {"kind": "astronaut"}, {"labour": "strong"}],
)
def test_post_check_constraints(make, columns):
    village = make.village()
    db.session.commit()
    with pytest.raises(IntegrityError):
        make.post(village=village, **columns)
    db.session.rollback()


def test_term_end_must_be_after_start(make):
    person = make.person()
    post = make.post()
    db.session.commit()
    with pytest.raises(IntegrityError):
        make.assignment(person=person, post=post, term_start=dt.date(2026, 5, 1), term_end=dt.date(2026, 4, 30))
    db.session.rollback()


def test_unknown_attendance_status_is_refused(make):
    assignment = make.assignment()
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.add(AttendanceRecord(assignment_id=assignment.id, day=dt.date(2026, 3, 2), status="holiday"))
        db.session.flush()
    db.session.rollback()


def test_foreign_keys_are_enforced(make):
    with pytest.raises(IntegrityError):
        db.session.add(Assignment(person_id=999999, post_id=999999, term_start=dt.date(2026, 1, 1),
                                  term_end=dt.date(2026, 12, 31)))
        db.session.flush()
    db.session.rollback()


def test_clerk_needs_a_township(make):
    with pytest.raises(IntegrityError):
        db.session.add(User(username="x", password_hash="x", role="clerk"))
        db.session.flush()
    db.session.rollback()


def test_age_on_birthday_edges(make):
    person = make.person(birth_date=dt.date(2000, 2, 29))
    assert person.age_on(dt.date(2018, 2, 28)) == 17
    assert person.age_on(dt.date(2018, 3, 1)) == 18


def test_in_force_clause_matches_python(make):
    a = make.assignment(term_start=dt.date(2026, 1, 1), term_end=dt.date(2026, 12, 31), ended_on=dt.date(2026, 6, 30))
    db.session.commit()
    for day, expected in [(dt.date(2025, 12, 31), False), (dt.date(2026, 6, 30), True), (dt.date(2026, 7, 1), False)]:
        found = db.session.scalar(db.select(Assignment.id).where(Assignment.in_force_on_clause(day)))
        assert (found == a.id) is expected is a.in_force_on(day)
