"""Check-ins from the phone: on or off the section, uncertain, refused, and never twice."""
import datetime as dt
import io

import pytest
from PIL import Image
from sqlalchemy import func, select

from tests.conftest import DISTRICT
from tests.patrol.conftest import EAST, middle_north, offset
from wardens.dates import as_utc
from wardens.extensions import db
from wardens.models import CheckIn, Photo, get_patrol_settings
from wardens.patrol import checkins

NOW = dt.datetime(2026, 11, 16, 10, 0, tzinfo=DISTRICT)


def tap(client, point=None, *, kind="start", accuracy=8, taken=NOW, client_id="tap-0001", photo=None, **extra):
    data = {"kind": kind, "taken_at": taken.isoformat(), "client_id": client_id, **extra}
    if point is not None:
        data.update(lat=str(point[0]), lon=str(point[1]), accuracy=str(accuracy))
    if photo is not None:
        data["photo"] = (io.BytesIO(photo), "photo.jpg")
    return client.post("/patrol/checkins", data=data, content_type="multipart/form-data")


def count():
    db.session.rollback()
    return db.session.scalar(select(func.count(CheckIn.id)))


@pytest.mark.parametrize("metres, on", [(0, True), (150, True), (199, True), (201, False), (900, False)])
def test_within_the_corridor_is_on_the_section_outside_is_off_with_the_distance(clock, world, sign_in, metres, on):
    res = tap(sign_in(world.warden), middle_north(metres))
    assert res.status_code == 201
    assert res.json["on_section"] is on
    assert res.json["distance_m"] == metres
    row = db.session.scalar(select(CheckIn))
    assert (row.on_section, round(row.distance_m), row.corridor_m, row.day) == (on, metres, 200, dt.date(2026, 11, 16))
    assert row.assignment_id == world.assignment.id and row.uncertain is False


def test_beyond_the_end_of_the_road_the_distance_is_to_its_end(clock, world, sign_in):
    res = tap(sign_in(world.warden), offset(EAST, 90, 350))
    assert (res.json["on_section"], res.json["distance_m"]) == (False, 350)


def test_the_corridor_is_a_setting(clock, world, sign_in):
    get_patrol_settings().corridor_m = 400
    db.session.commit()
    assert tap(sign_in(world.warden), middle_north(350)).json["on_section"] is True


def test_poor_accuracy_is_kept_but_marked_uncertain(clock, world, sign_in):
    res = tap(sign_in(world.warden), middle_north(20), accuracy=180)
    assert res.status_code == 201 and res.json["uncertain"] is True
    assert "±180" in res.json["message"] or "180" in res.json["message"]
    assert db.session.scalar(select(CheckIn.uncertain)) is True


def test_no_location_is_refused_with_how_to_allow_it(clock, world, sign_in):
    res = tap(sign_in(world.warden), None)
    assert res.status_code == 422
    assert list(res.json["errors"]) == ["location"]
    assert "允许" in res.json["message"] or "Allow" in res.json["message"]
    assert count() == 0


@pytest.mark.parametrize("taken, field", [
    (NOW + dt.timedelta(minutes=10), "taken_at"),
    (NOW - dt.timedelta(hours=48, minutes=1), "taken_at"),
])
def test_a_time_in_the_future_or_a_stale_queue_is_refused(clock, world, sign_in, taken, field):
    res = tap(sign_in(world.warden), middle_north(10), taken=taken)
    assert res.status_code == 422 and list(res.json["errors"]) == [field]
    assert count() == 0


def test_a_queued_tap_keeps_its_own_time_and_day(clock, world, sign_in):
    clock.move_to(dt.datetime(2026, 11, 17, 9, 0, tzinfo=DISTRICT))
    taken = dt.datetime(2026, 11, 16, 23, 50, tzinfo=DISTRICT)
    res = tap(sign_in(world.warden), middle_north(10), taken=taken)
    assert res.status_code == 201
    row = db.session.scalar(select(CheckIn))
    assert row.day == dt.date(2026, 11, 16)
    assert as_utc(row.taken_at) == taken
    assert as_utc(row.received_at) == dt.datetime(2026, 11, 17, 9, 0, tzinfo=DISTRICT)


def test_the_same_tap_sent_twice_is_one_check_in(clock, world, sign_in):
    client = sign_in(world.warden)
    assert tap(client, middle_north(10)).status_code == 201
    again = tap(client, middle_north(10))
    assert again.status_code == 200 and again.json["new"] is False
    assert count() == 1


def test_a_resend_racing_the_first_is_answered_with_the_first(clock, world, sign_in, monkeypatch):
    # The resend's look-up runs before the first send has committed (it sees nothing); its insert
    # then hits the unique (user, client id): only its savepoint is rolled back, and the answer
    # is the check-in that won, not an error page.
    client = sign_in(world.warden)
    assert tap(client, middle_north(10)).status_code == 201
    real = checkins.existing_check_in
    calls = []

    def not_yet_visible(user_id, client_id):
        calls.append(client_id)
        return None if len(calls) == 1 else real(user_id, client_id)

    monkeypatch.setattr(checkins, "existing_check_in", not_yet_visible)
    again = tap(client, middle_north(10))
    assert len(calls) == 2
    assert again.status_code == 200 and again.json["new"] is False
    assert count() == 1


def test_only_in_the_term(clock, world, sign_in):
    world.assignment.term_end = dt.date(2026, 11, 15)
    db.session.commit()
    res = tap(sign_in(world.warden), middle_north(10))
    assert res.status_code == 403 and res.json["errors"] == {"assignment_id": [res.json["message"]]}
    assert count() == 0


def test_only_for_their_own_post(clock, world, sign_in):
    res = tap(sign_in(world.warden), middle_north(10), assignment_id=str(world.other_assignment.id))
    assert res.status_code == 403
    assert count() == 0


@pytest.mark.parametrize("role", ["clerk", "office"])
def test_staff_cannot_check_in(clock, world, sign_in, role):
    assert tap(sign_in(getattr(world, role)), middle_north(10)).status_code == 403


def test_nan_and_out_of_range_are_refused_by_the_field(clock, world, sign_in):
    client = sign_in(world.warden)
    res = client.post("/patrol/checkins", data={"kind": "start", "taken_at": NOW.isoformat(), "client_id": "tap-0002",
                                                "lat": "nan", "lon": "200", "accuracy": "5"})
    assert res.status_code == 422 and set(res.json["errors"]) == {"lat", "lon"}


def _jpeg_with_exif() -> bytes:
    image = Image.new("RGB", (2400, 1800), (120, 160, 90))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"          # Make
    exif[0x0110] = "Model X"             # Model
    exif[0x013B] = "Zhang San"           # Artist
    exif.get_ifd(0x8769)[0x9003] = "2026:11:16 09:58:00"  # DateTimeOriginal
    exif.get_ifd(0x8825)[2] = (31.0, 40.0, 48.0)           # GPSLatitude
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, quality=60)
    return out.getvalue()


def test_a_photo_is_re_encoded_without_metadata_but_its_time(clock, world, sign_in, app):
    data = _jpeg_with_exif()
    assert b"Zhang San" in data
    res = tap(sign_in(world.warden), middle_north(10), photo=data)
    assert res.status_code == 201
    photo = db.session.scalar(select(Photo))
    assert photo.taken_at.replace(tzinfo=dt.timezone.utc) == dt.datetime(2026, 11, 16, 1, 58, tzinfo=dt.timezone.utc)
    assert (photo.width, photo.height) == (1600, 1200)
    from wardens.patrol.photos import photo_path

    stored = photo_path(photo.token).read_bytes()
    assert b"Zhang San" not in stored and b"PhoneMaker" not in stored
    assert Image.open(io.BytesIO(stored)).getexif() == {}
    assert len(photo.token) >= 32
    # The file is named by the random token only: nothing about who, where or when.
    assert sorted(p.name for p in photo_path(photo.token).parent.iterdir()) == sorted([f"{photo.token}.jpg", f"{photo.token}-t.jpg"])


def test_a_non_image_or_too_big_photo_is_refused_by_the_field(clock, world, sign_in):
    client = sign_in(world.warden)
    res = tap(client, middle_north(10), photo=b"%PDF-1.4 not a picture")
    assert res.status_code == 422 and list(res.json["errors"]) == ["photo"]
    get_patrol_settings().photo_max_kb = 50
    db.session.commit()
    big = io.BytesIO()
    # Noise does not compress: about 150 KB (kept under the test client's 500 KB spooling, which it leaks).
    Image.effect_noise((400, 400), 100).convert("RGB").save(big, "JPEG", quality=95)
    res = tap(client, middle_north(10), photo=big.getvalue(), client_id="tap-0003")
    assert res.status_code == 422 and list(res.json["errors"]) == ["photo"]
    assert "KB" in res.json["message"]
    assert count() == 0
