"""What an outside tester found this session (notes/attack.md), each held by a test.

- a list's pager built its links through url_for with the query string, so `?_method=POST`,
  `?endpoint=x` gave a 500 and `?run_id=999` sent "Next" to another run;
- `?month=9999-12` on the months page was a 500 (the month after it cannot be computed);
- a matcher run refused by its form (a note over 200 characters) said nothing.
"""
from __future__ import annotations

import re

from tests.registry.conftest import login_en
from wardens.extensions import db


def test_the_pager_keeps_the_query_as_data_and_links_to_the_same_page(make, client):
    village = make.village(make.township(name="甲乡"), name="甲村")
    for n in range(60):
        make.person(make.household(village), name=f"人{n:02d}")
    make.user("office", username="office1")
    db.session.commit()
    login_en(client, "office1")
    for query in ("_method=POST", "endpoint=x", "_external=1&_scheme=https", "_anchor=x", "q=&page=1&page=2"):
        response = client.get(f"/people?{query}")
        assert response.status_code == 200, query
        links = re.findall(r'<a href="([^"]+)" rel="(?:next|prev)">', response.get_data(as_text=True))
        assert links and all(link.startswith("/people?") for link in links), (query, links)
    page = client.get("/people?_method=POST&kind=x").get_data(as_text=True)
    assert '<a href="/people?_method=POST&amp;kind=x&amp;page=2" rel="next">' in page


def test_a_month_too_far_in_the_future_is_refused_by_the_field_not_a_500(make, client):
    make.township(name="甲乡")
    make.user("office", username="office1")
    db.session.commit()
    login_en(client, "office1")
    response = client.get("/attendance/months?month=9999-12")
    assert response.status_code == 200
    assert "9999-12 is too far in the future." in response.get_data(as_text=True)
    assert client.get("/attendance/months?month=9998-12").status_code == 200


def test_a_name_with_an_invisible_or_reordering_character_is_refused_by_the_field(make, client):
    """姚\\u200b华 looked exactly like 姚华 and no search found it; U+202E turned the rest of a name around."""
    make.user("office", username="office1")
    db.session.commit()
    login_en(client, "office1")
    for name in ("姚\u200b华", "一\u202e二", "\ufeff王五", "李\u2066四\u2069"):
        response = client.post("/places/townships/new", data={"name": name})
        assert response.status_code in (200, 422) and "invisible control characters" in response.get_data(as_text=True), name
    from wardens.models import Township
    assert db.session.scalar(db.select(db.func.count()).select_from(Township)) == 0
