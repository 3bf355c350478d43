import datetime as dt

from wardens.dates import today
from wardens.extensions import db


def test_person_page_links_to_the_month_sheet_that_pays_them(app, make, sign_in):
    village = make.village()
    person = make.person(make.household(village))
    post = make.post(village)
    day = today()
    make.assignment(person, post, term_start=day - dt.timedelta(days=30), term_end=day + dt.timedelta(days=300))
    office = make.user("office")
    db.session.commit()
    page = sign_in(office).get(f"/people/{person.id}")
    assert page.status_code == 200
    expected = f"/attendance/sheet/{village.township_id}/{day.year}/{day.month}"
    assert f'href="{expected}" data-testid="sheet-link"' in page.text
    assert sign_in(office).get(expected).status_code == 200


def test_person_without_a_post_has_no_sheet_link(app, make, sign_in):
    person = make.person()
    office = make.user("office")
    db.session.commit()
    page = sign_in(office).get(f"/people/{person.id}")
    assert page.status_code == 200 and "sheet-link" not in page.text
