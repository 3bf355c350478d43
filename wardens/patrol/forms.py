"""One form per patrol action. The phone's forms are posted by static/js/patrol.js (also from its queue)."""
from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import FloatField, HiddenField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from ..forms import DateField, Form
from ..models import CheckInKind, ReportKind
from .checkins import Fix
from .geo import Point
from .reports import NOTE_MAX
from .shapes import MAX_POINTS

CLIENT_ID = Regexp(r"^[A-Za-z0-9-]{8,40}$", message=_l("The page is damaged; reload it."))


class WeekForm(Form):
    """The reports page's week (any day of it), read from the query string by the site's one date field."""

    class Meta:
        csrf = False

    week = DateField(_l("Week of"), validators=[Optional()])


def finite(form: Any, field: Any) -> None:
    if field.data is not None and not math.isfinite(field.data):
        raise ValidationError(_l("Give a number."))


def parse_instant(text: str | None) -> dt.datetime | None:
    """An ISO 8601 instant with its offset (what the phone's clock said), or None."""
    raw = (text or "").strip()
    if not raw:
        return None
    try:
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


class InstantField(StringField):
    """The time a tap was taken, as the phone's clock said it (ISO 8601 with the offset)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instant: dt.datetime | None = None

    def pre_validate(self, form: Any) -> None:
        self.instant = parse_instant(self.data)
        if self.instant is None:
            raise ValidationError(_("The time of the tap is missing or unreadable; reload the page."))


class LocationMixin:
    lat = FloatField(_l("Latitude"), validators=[Optional(), finite, NumberRange(-90, 90)])
    lon = FloatField(_l("Longitude"), validators=[Optional(), finite, NumberRange(-180, 180)])
    accuracy = FloatField(_l("Accuracy (m)"), validators=[Optional(), finite, NumberRange(0, 1_000_000)])

    def fix(self) -> Fix | None:
        lat, lon = self.lat.data, self.lon.data  # type: ignore[attr-defined]
        if lat is None or lon is None:
            return None
        accuracy = self.accuracy.data  # type: ignore[attr-defined]
        # No accuracy given is the worst case, not the best: it will be marked uncertain.
        return Fix(float(lat), float(lon), float(accuracy) if accuracy is not None else 1_000_000.0)


class CheckInForm(LocationMixin, Form):
    """One tap of 开始巡查 / 结束巡查 (posted by the phone page, now or from its queue)."""

    kind = SelectField(_l("Check-in"), choices=CheckInKind.choices())
    taken_at = InstantField(_l("Time"))
    client_id = StringField(validators=[DataRequired(), CLIENT_ID])
    assignment_id = IntegerField(validators=[Optional(), NumberRange(1, 2**53)])
    photo = FileField(_l("Photo (optional)"))


class PhoneReportForm(LocationMixin, Form):
    """A road problem reported from the warden's phone."""

    kind = SelectField(_l("What is wrong"), choices=ReportKind.choices())
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=NOTE_MAX)])
    taken_at = InstantField(_l("Time"))
    client_id = StringField(validators=[DataRequired(), CLIENT_ID])
    photo = FileField(_l("Photo (optional)"))
    submit = SubmitField(_l("Send the report"))


class StaffReportForm(LocationMixin, Form):
    """A road problem a clerk or the office writes down (from the grid, a phone call, a visit)."""

    post_id = SelectField(_l("Post (road section)"), coerce=int, validate_choice=True)
    kind = SelectField(_l("What is wrong"), choices=ReportKind.choices())
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=NOTE_MAX)])
    photo = FileField(_l("Photo (optional)"))
    submit = SubmitField(_l("Save the report"))

    def validate(self, extra_validators: Any = None) -> bool:
        ok = super().validate(extra_validators)
        # Optional() ends a field's checks when it is empty, so the pair is checked here.
        if not self.lon.errors and not self.lat.errors and (self.lat.data is None) != (self.lon.data is None):
            self.lon.errors = [_("Give both latitude and longitude, or neither (click the map to place it).")]
            return False
        return ok


class MoveReportForm(Form):
    to_state = HiddenField(validators=[DataRequired()])
    expected = HiddenField(validators=[DataRequired()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=NOTE_MAX)])


class LineUploadForm(Form):
    # A line the rules refuse (too few or too many points) is the file's fault.
    refusal_field_names = {"points": "file"}

    file = FileField(_l("GPX, KML, KMZ or GeoJSON file"), validators=[FileRequired(_l("Choose a file."))])
    upload = SubmitField(_l("Import the line"))


class LineDrawForm(Form):
    """The points clicked on the map, as JSON [[lat, lon], ...] (static/js/patrol.js keeps it)."""

    points = HiddenField(_l("Points"))
    save_drawing = SubmitField(_l("Save the drawn line"))

    def latlngs(self) -> list[Point]:
        try:
            raw = json.loads(self.points.data or "[]")
        except ValueError:
            raise ValidationError(_("The drawing could not be read; draw it again.")) from None
        if not isinstance(raw, list) or len(raw) > MAX_POINTS:
            raise ValidationError(_("The drawing could not be read; draw it again."))
        out: list[Point] = []
        for p in raw:
            if (not isinstance(p, list) or len(p) != 2
                    or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in p)
                    or not (-90 <= p[0] <= 90 and -180 <= p[1] <= 180)):
                raise ValidationError(_("The drawing could not be read; draw it again."))
            out.append((float(p[0]), float(p[1])))
        if len(out) < 2:
            raise ValidationError(_("Click at least two points along the road."))
        return out

    def validate_points(self, field: HiddenField) -> None:
        self.latlngs()


class ClearLineForm(Form):
    clear = SubmitField(_l("Remove the line"))


def _blank_is_off(value: int | None) -> int:
    # A filter, not a validate_ method: Optional() stops the chain on a blank field before any
    # validate_ method runs, so a blank limit reached the row as NULL and failed its NOT NULL.
    return 0 if value is None else value


class PatrolSettingsForm(Form):
    corridor_m = IntegerField(_l("Corridor around the road line (m)"), validators=[DataRequired(), NumberRange(10, 5000)])
    accuracy_limit_m = IntegerField(_l("Location accuracy worse than this is uncertain (m)"),
                                    validators=[DataRequired(), NumberRange(5, 5000)])
    retention_days = IntegerField(_l("Keep locations and photos for (days)"), validators=[DataRequired(), NumberRange(30, 3660)])
    absent_days_limit = IntegerField(_l("Working days in a month without an on-section check-in before the dismissal review shows it (0: off)"),
                                     validators=[Optional(), NumberRange(0, 31)], filters=[_blank_is_off])
    photo_max_kb = IntegerField(_l("Largest photo accepted (KB)"), validators=[DataRequired(), NumberRange(50, 10240)])
    tile_url = StringField(_l("Map tile address of the office's own tile service (blank: plain background)"),
                           validators=[Optional(), Length(max=300),
                                       Regexp(r"^(https?://|/)[^\s\"'<>]*\{z\}[^\s\"'<>]*\{x\}[^\s\"'<>]*\{y\}[^\s\"'<>]*$",
                                              message=_l("Write it like https://tiles.example/{z}/{x}/{y}.png"))])
    tile_attribution = StringField(_l("Map credit shown in the corner"), validators=[Optional(), Length(max=200)])
    submit = SubmitField(_l("Save"))
