"""The JSON columns' codec (wardens/jsoncodec.py): orjson, as strict as the standard library."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import text

from wardens import jsoncodec
from wardens.audit import record_audit
from wardens.extensions import db
from wardens.audit.actions import AuditAction
from wardens.models import AuditEvent, Township


@pytest.mark.parametrize("value", [dt.date(2026, 12, 1), dt.datetime(2026, 12, 1, 9, 30), Decimal("1.5"), object()])
def test_what_json_refuses_is_refused(value):
    with pytest.raises(TypeError, match="not JSON serializable"):
        jsoncodec.dumps({"x": [value]})
    with pytest.raises(TypeError):
        json.dumps({"x": [value]})


@pytest.mark.parametrize("value", [
    {"id": 2 ** 70, "ids": [9_223_372_036_854_775_808, -9_223_372_036_854_775_809, 10 ** 30]},
    {"name": "a\ud800b"},  # a lone surrogate (a form can carry one)
    {"account": "6222021234567890123", "n": 1234567890123456789},
])
def test_what_orjson_cannot_hold_is_written_by_json_and_read_back_exactly(value):
    back = jsoncodec.loads(jsoncodec.dumps(value))
    assert back == value and [type(v) for v in back.values()] == [type(v) for v in value.values()]
    assert jsoncodec.loads(jsoncodec.dumps(value).encode("utf-8")) == value


def test_non_string_keys_are_written_as_json_writes_them():
    assert jsoncodec.loads(jsoncodec.dumps({1: "a"})) == {"1": "a"}


def test_chinese_is_written_as_utf8_and_the_canonical_form_is_json_s():
    value = {"name": "西河口乡", "b": [1, True, None, "K3+000"], "a": {"z": 1, "y": [2.5]}}
    assert jsoncodec.dumps(value) == json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    assert jsoncodec.canonical(value) == json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def test_a_json_column_stores_and_reads_through_the_codec(app_ctx, make):
    town = make.township(name="单王乡")
    record_audit(AuditAction.CREATE, town, after={"name": "单王乡", "n": 2 ** 70, "odd": "x\ud800y"}, actor_id=None)
    db.session.flush()
    raw = db.session.execute(text("SELECT CAST(after AS TEXT) FROM audit_event ORDER BY id DESC LIMIT 1")).scalar_one()
    assert "单王乡" in raw or "\\u5355" in raw  # UTF-8 (the json fallback of this value escapes)
    db.session.expire_all()
    event = db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event.after == {"name": "单王乡", "n": 2 ** 70, "odd": "x\ud800y"}
    assert isinstance(db.session.get(Township, town.id), Township)


def test_the_served_site_freezes_what_it_starts_with():
    """wsgi.py freezes the objects alive after start-up (pypinyin's dictionary among them), so a
    full collection during a request does not walk them again."""
    root = Path(__file__).resolve().parent.parent
    out = subprocess.run([sys.executable, "-c", "import gc, wsgi; print(gc.get_freeze_count())"], cwd=root,
                         capture_output=True, text=True, env={"WARDENS_ENV": "development", "PATH": "/usr/bin:/bin",
                                                              "HOME": str(root)}, check=True)
    assert int(out.stdout.strip().splitlines()[-1]) > 100_000
