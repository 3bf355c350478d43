"""Ids typed into URLs, query strings and hidden fields: anything that is not a record's id is a 404 or ignored, never a 500."""
from __future__ import annotations

import datetime as dt

import pytest

from wardens.extensions import db
from wardens.models import Round
from wardens.reallocation.rounds import open_round

# The largest id PostgreSQL's integer columns hold (no such record), one more, the largest
# 64-bit number, one more than that, and far beyond: all "no such record", never a 500.
TOO_BIG = ["2147483647", "2147483648", "9223372036854775807", "9223372036854775808", "99999999999999999999"]


@pytest.mark.parametrize("raw", TOO_BIG)
@pytest.mark.parametrize("path", [
    "/people/{}", "/households/{}", "/posts/{}/edit", "/admin/users/{}",
    "/attendance/sheet/{}/2026/1", "/attendance/sheet/1/{}/1", "/attendance/sheet/1/2026/{}",
    "/reallocation/rounds/{}", "/reallocation/fills/{}", "/me/month/{}/1",
])
def test_an_id_too_large_for_the_database_is_not_found(app, make, sign_in, path, raw):
    users = {"admin": make.user("admin"), "warden": make.user("warden")}
    db.session.commit()
    client = sign_in(users["warden" if path.startswith("/me/") else "admin"])
    assert client.get(path.format(raw)).status_code == 404


@pytest.mark.parametrize("raw", TOO_BIG)
def test_a_post_to_an_id_too_large_is_not_found(app, make, sign_in, raw):
    admin = make.user("admin")
    db.session.commit()
    assert sign_in(admin).post(f"/person/{raw}/deactivate").status_code == 404


# "²" passes str.isdigit() but not int(); the long ones do not fit a 64-bit column.
JUNK_IDS = ["%C2%B2", "%D9%A3", "2147483648", "9223372036854775807", "9223372036854775808",
            "99999999999999999999", "-1", "1.5"]
# The largest id PostgreSQL's integer holds: a real id that names no record, looked up in the database.
LARGEST = "2147483647"


@pytest.mark.parametrize("url, status", [
    ("/people?township={}", 200), ("/people?village={}", 200), ("/households?township={}", 200),
    ("/posts?village={}", 200), ("/audit?actor={}", 200), ("/audit?entity_id={}", 200),
    ("/attendance/grid?township_id={}", 200), ("/attendance/grid?village_id={}", 404),
    ("/reallocation/rounds/1/apply?person={}", 200),
])
def test_the_largest_integer_id_is_looked_up_and_found_missing(app, make, sign_in, url, status):
    admin = make.user("admin")
    make.assignment()
    _round()
    db.session.commit()
    assert sign_in(admin).get(url.format(LARGEST)).status_code == status


def test_the_grid_refuses_the_largest_integer_township_as_not_found(app, make, sign_in):
    from wardens.models import AttendanceRecord
    a = make.assignment()
    office = make.user("office")
    db.session.commit()
    response = sign_in(office).post("/attendance/grid", data={"day": "2026-11-02", "township_id": LARGEST,
                                                             f"v-{a.id}": "0", f"s-{a.id}": "present"})
    assert response.status_code == 404
    assert db.session.query(AttendanceRecord).count() == 0


@pytest.mark.parametrize("raw", JUNK_IDS)
@pytest.mark.parametrize("url", [
    "/people?township={}", "/people?village={}", "/people?page={}", "/households?township={}", "/posts?village={}",
    "/posts/sizing?township={}", "/export/people.csv?township={}", "/admin/users?page={}",
    "/audit?actor={}", "/audit?entity_id={}", "/audit?page={}", "/places/villages/new?township={}",
    "/attendance/grid?township_id={}", "/attendance/grid?village_id={}",
    "/reallocation/rounds/1?page={}", "/reallocation/rounds/1/apply?person={}",
])
def test_a_junk_id_in_the_query_string_is_ignored(app, make, sign_in, url, raw):

    admin = make.user("admin")
    make.assignment()
    _round()
    db.session.commit()
    # Ignored means the page answers as if the parameter were absent.
    assert sign_in(admin).get(url.format(raw)).status_code == 200


@pytest.mark.parametrize("raw", JUNK_IDS)
def test_the_grid_refuses_a_junk_township_or_row_id_without_saving(clock, app, make, sign_in, raw):
    from wardens.models import AttendanceRecord
    a = make.assignment()
    office = make.user("office")
    db.session.commit()
    client = sign_in(office)
    township = str(a.post.village.township_id)
    bad_township = client.post("/attendance/grid", data={"day": "2026-11-02", "township_id": raw.replace("%C2%B2", "²").replace("%D9%A3", "٣"),
                                                         f"v-{a.id}": "0", f"s-{a.id}": "present"})
    assert bad_township.status_code == 400
    bad_row = client.post("/attendance/grid", data={"day": "2026-11-02", "township_id": township,
                                                    f"v-{raw.replace('%C2%B2', '²').replace('%D9%A3', '٣')}": "0",
                                                    f"s-{raw}": "present"})
    # A row id that is no row is skipped: nothing to save, back to the grid.
    assert bad_row.status_code == 302
    bad_version = client.post("/attendance/grid", data={"day": "2026-11-02", "township_id": township,
                                                        f"v-{a.id}": raw.replace("%C2%B2", "²").replace("%D9%A3", "٣"),
                                                        f"s-{a.id}": "present"})
    assert bad_version.status_code == 422
    assert db.session.query(AttendanceRecord).count() == 0


@pytest.mark.parametrize("raw", ["²", "99999999999999999999"])
def test_an_application_for_a_junk_person_id_is_refused_by_the_field(app, make, sign_in, raw):
    from wardens.models import Application
    office = make.user("office")
    rnd = _round()
    db.session.commit()
    response = sign_in(office).post(f"/reallocation/rounds/{rnd.id}/apply", data={"person_id": raw, "choice1": ""})
    assert response.status_code == 200
    assert "Choose a person first." in response.get_data(as_text=True) or "请先选择" in response.get_data(as_text=True)
    assert db.session.query(Application).count() == 0


def _round() -> Round:
    return open_round(name="2027", year=2027, term_start=dt.date(2027, 1, 1), term_end=dt.date(2027, 12, 31),
                      reference_date=dt.date(2027, 1, 1), notice_days=5, today=dt.date(2026, 11, 16), user_id=None)
