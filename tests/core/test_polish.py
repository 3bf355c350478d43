"""Small things people notice: the favicon, the sheet's scroll box, the grid's jump box, the grouped navigation."""
from __future__ import annotations

from tests.attendance.conftest import build_district
from tests.registry.conftest import login_en


def test_favicon_ico_is_the_site_s_icon(client):
    resp = client.get("/favicon.ico")
    assert resp.status_code == 301 and resp.headers["Location"].endswith("/static/favicon.svg")


def test_grouped_navigation_by_role(client, make):
    d = build_district(make)
    login_en(client, d.clerk.username)
    html = client.get("/").get_data(as_text=True)
    assert [g for g in ("attendance", "register", "yearly", "system") if f'data-group="{g}"' in html] == ["attendance", "register"]
    login_en(client, d.admin.username)
    html = client.get("/statistics").get_data(as_text=True)
    assert '<details class="navgroup here" data-group="yearly">' in html
    assert 'href="/statistics" aria-current="page"' in html


def test_the_sheet_scrolls_by_keyboard_and_the_grid_has_a_jump_box(client, make):
    d = build_district(make)
    login_en(client, d.office.username)
    sheet = client.get(f"/attendance/sheet/{d.township.id}/{d.day.year}/{d.day.month}").get_data(as_text=True)
    assert 'class="table-wrap sheet-wrap" tabindex="0" role="region" aria-label="Monthly sheet"' in sheet
    grid = client.get(f"/attendance/grid?township_id={d.township.id}").get_data(as_text=True)
    assert 'id="jump-name" data-jump-to-name' in grid and "js/jump.js" in grid
