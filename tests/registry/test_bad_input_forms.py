"""Register forms and pages given input a browser would not send: a message by the field, nothing written, never a 500."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from wardens.extensions import db
from wardens.models import Post


def _post_form(post: Post, **changes: str) -> dict[str, str]:
    data = {"code": post.code, "kind": post.kind, "village_id": str(post.village_id), "km": "3.00", "slots": "1",
            "min_age": "18", "max_age": "60", "labour": "weak", "monthly_subsidy": "600", "required_days": "20"}
    data.update(changes)
    return data


@pytest.mark.parametrize("field", ["km", "monthly_subsidy"])
@pytest.mark.parametrize("raw", ["NaN", "sNaN", "Infinity", "-Infinity"])
def test_a_post_refuses_a_number_that_is_not_finite(app, make, sign_in, field, raw):
    post = make.post()
    office = make.user("office")
    db.session.commit()
    response = sign_in(office).post(f"/posts/{post.id}/edit", data=_post_form(post, **{field: raw}))
    assert response.status_code == 200  # the form again, the message by the field
    db.session.expire_all()
    assert db.session.scalar(select(Post.km).where(Post.id == post.id)) == post.km
    assert db.session.scalar(select(Post.monthly_subsidy).where(Post.id == post.id)) == post.monthly_subsidy


@pytest.mark.parametrize("raw", ["9999-12-31", "0001-01-01"])
def test_the_audit_trail_takes_the_calendar_s_last_and_first_days(app, make, sign_in, raw):
    office = make.user("office")
    db.session.commit()
    client = sign_in(office)
    assert client.get(f"/audit?to={raw}").status_code == 200
    assert client.get(f"/audit?from={raw}").status_code == 200
