"""One form per admin action; validators carry the field-level rules."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from ..forms import Form, MonthField
from sqlalchemy import func, select
from wtforms import (
    BooleanField,
    DecimalField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional, ValidationError

from ..auth.operations import MIN_PASSWORD_LENGTH, USERNAME_MAX, USERNAME_PATTERN
from ..extensions import db
from ..labels import label
from ..models import Labour, Post, Role, Scope, Township, User, Village
from .priority_text import PriorityTextError, parse_priority_groups

PAYMENT_PERIODS = {
    "monthly": _l("Monthly"),
    "quarterly": _l("Quarterly"),
    "half_yearly": _l("Half-yearly"),
}


def _township_choices() -> list[tuple[str, str]]:
    towns = db.session.scalars(select(Township).order_by(Township.name))
    return [("", str(_l("— none —")))] + [(str(t.id), t.name) for t in towns]


def _section_choices() -> list[tuple[int, str]]:
    """Every active post as a road section, grouped by township and village (a road chief picks theirs)."""
    rows = db.session.execute(
        select(Post.id, Post.code, Post.route_code, Post.section_start, Post.section_end, Village.name, Township.name)
        .join(Village, Village.id == Post.village_id).join(Township, Township.id == Village.township_id)
        .where(Post.active).order_by(Township.name, Village.name, Post.code))
    return [(pid, " · ".join(p for p in (town, village, code, route, " — ".join(x for x in (start, end) if x)) if p))
            for pid, code, route, start, end, village, town in rows]


def _role_choices() -> list[tuple[str, str]]:
    return [(r.value, label("role", r.value)) for r in Role]


class _AccountFields(Form):
    """Role, township and person, shared by the create and edit forms."""

    role = SelectField(_l("Role"), validators=[InputRequired()])
    # No Optional() here: it would clear the errors of validate_township_id when empty.
    township_id = SelectField(_l("Township (township clerks and road chiefs)"))
    sections = SelectMultipleField(_l("Road sections (road chiefs)"), coerce=int, validate_choice=True)
    id_number = StringField(
        _l("Warden's ID number (wardens)"),
        validators=[Length(max=30)],
        render_kw={"autocomplete": "off", "inputmode": "text"},
    )
    display_name = StringField(_l("Display name"), validators=[Optional(), Length(max=50)])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = _role_choices()
        self.township_id.choices = _township_choices()
        self.sections.choices = _section_choices()

    def validate_township_id(self, field: Any) -> None:
        if self.role.data == Role.CLERK and not field.data:
            raise ValidationError(_l("A township clerk needs a township."))
        if self.role.data == Role.ROAD_CHIEF and not field.data:
            raise ValidationError(_l("A road chief needs the township of their road sections."))

    def validate_sections(self, field: Any) -> None:
        if self.role.data == Role.ROAD_CHIEF and not field.data:
            raise ValidationError(_l("Choose the road sections this road chief is chief of."))

    @property
    def section_ids(self) -> list[int]:
        return list(self.sections.data or []) if self.role.data == Role.ROAD_CHIEF else []

    def validate_id_number(self, field: Any) -> None:
        if self.role.data == Role.WARDEN and not (field.data or "").strip():
            raise ValidationError(_l("A warden account needs the warden's ID number."))

    @property
    def township_value(self) -> int | None:
        return int(self.township_id.data) if self.township_id.data else None


class UserCreateForm(_AccountFields):
    # A refusal naming no field is about the account as a whole: shown by the username.
    refusal_field = "username"
    username = StringField(
        _l("Username"),
        validators=[DataRequired(), Length(min=2, max=USERNAME_MAX)],
        render_kw={"autocomplete": "off", "autocapitalize": "none"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200,
                                           message=_l("The password must have at least %(min)d characters."))],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Create account"))

    # Field order on the page: who first, then the role and what it needs.
    _order = ("csrf_token", "username", "display_name", "role", "township_id", "sections", "id_number", "password",
              "confirm", "submit")

    def __iter__(self) -> Any:
        return iter([self[name] for name in self._order if name in self._fields])

    def validate_username(self, field: Any) -> None:
        name = (field.data or "").strip()
        if not USERNAME_PATTERN.match(name):
            raise ValidationError(_l("Use only letters, digits, dots, dashes and underscores."))
        if db.session.scalar(select(User.id).where(func.lower(User.username) == name.lower())):
            raise ValidationError(_l("This username is taken."))


class UserEditForm(_AccountFields):
    refusal_field = "role"
    submit = SubmitField(_l("Save"))


class PasswordResetForm(Form):
    refusal_field = "password"
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=200,
                                           message=_l("The password must have at least %(min)d characters."))],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Set the new password"))


class ConfirmForm(Form):
    """A POST carrying only the CSRF token: disable, enable, unlock."""


def _quantize(value: Decimal | None, places: str = "0.01") -> Decimal | None:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP) if value is not None else None


class SettingsForm(Form):
    """Every setting, grouped as on the page (see SETTINGS_GROUPS), and the month the change takes effect from."""

    effective_from = MonthField(
        _l("Takes effect from (month)"),
        validators=[InputRequired(message=_l("Choose the month the change takes effect from."))],
    )
    # The plan the administrator confirmed (SettingsPlan.token), set by the confirmation step.
    confirmed = HiddenField()

    district_name = StringField(_l("District name"), validators=[DataRequired(), Length(max=50)])
    office_name = StringField(_l("Office name"), validators=[DataRequired(), Length(max=100)])

    min_age = IntegerField(_l("Minimum age"), validators=[InputRequired(), NumberRange(16, 80)])
    max_age = IntegerField(_l("Maximum age"), validators=[InputRequired(), NumberRange(16, 80)])
    max_age_extended = IntegerField(_l("Maximum age for a healthy applicant"),
                                    validators=[InputRequired(), NumberRange(16, 80)])
    default_labour = SelectField(_l("Labour ability a post needs by default"), validators=[InputRequired()])
    scope = SelectField(_l("Where an applicant may take a post"), validators=[InputRequired()])
    one_post_per_household = BooleanField(_l("One post per household"))
    exclude_stable_employment = BooleanField(_l("Exclude people in stable employment"))
    exclude_away_working = BooleanField(_l("Exclude long-term migrant workers"))
    max_choices = IntegerField(_l("Posts an applicant may choose"), validators=[InputRequired(), NumberRange(1, 3)])
    priority_groups = TextAreaField(_l("Priority order"), validators=[InputRequired()], render_kw={"rows": 9})

    required_days = IntegerField(_l("Required days per month"), validators=[InputRequired(), NumberRange(1, 31)])
    monthly_subsidy = DecimalField(_l("Monthly subsidy standard (yuan)"), places=2,
                                   validators=[InputRequired(), NumberRange(0, 99999)])
    absence_deduction = DecimalField(_l("Deduction per unexcused absence (yuan)"), places=2,
                                     validators=[InputRequired(), NumberRange(0, 99999)])
    sick_certificate_days = IntegerField(_l("Sick days in a row that need a certificate"),
                                         validators=[InputRequired(), NumberRange(1, 31)])
    correction_reason_after_days = IntegerField(_l("Days after which a correction needs a reason"),
                                                validators=[InputRequired(), NumberRange(0, 366)])
    submission_deadline_day = IntegerField(_l("Sheet due by this day of the next month"),
                                           validators=[InputRequired(), NumberRange(1, 31)])
    payment_period = SelectField(_l("Subsidy paid"), validators=[InputRequired()])

    dismissal_absent_days = IntegerField(_l("Unexcused absences in a month that flag a holder"),
                                         validators=[InputRequired(), NumberRange(1, 31)])
    dismissal_rate = DecimalField(_l("Attendance rate below which a holder is flagged"), places=2,
                                  validators=[InputRequired(), NumberRange(0, 1)])
    dismissal_rate_months = IntegerField(_l("Months in a row below that rate"),
                                         validators=[InputRequired(), NumberRange(1, 12)])

    good_standing_rate = DecimalField(_l("Attendance rate for good standing"), places=2,
                                      validators=[InputRequired(), NumberRange(0, 1)])
    notice_days = IntegerField(_l("Public notice days"), validators=[InputRequired(), NumberRange(1, 30)])
    km_per_warden = DecimalField(_l("Kilometres of road per warden"), places=2,
                                 validators=[InputRequired(), NumberRange(0.01, 999.99)])
    village_post_cap = IntegerField(_l("Most posts in one village"), validators=[InputRequired(), NumberRange(1, 99)])

    login_max_failures = IntegerField(_l("Failed logins before an account is locked"),
                                      validators=[InputRequired(), NumberRange(1, 100)])
    login_lock_minutes = IntegerField(_l("Minutes an account stays locked"),
                                      validators=[InputRequired(), NumberRange(1, 1440)])
    submit = SubmitField(_l("Save settings"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_labour.choices = [(c.value, label("labour", c.value)) for c in Labour]
        self.scope.choices = [(c.value, label("scope", c.value)) for c in Scope]
        self.payment_period.choices = [(k, str(v)) for k, v in PAYMENT_PERIODS.items()]
        self.parsed_groups: list[list[str]] = []

    def validate_max_age(self, field: Any) -> None:
        if self.min_age.data is not None and field.data is not None and field.data < self.min_age.data:
            raise ValidationError(_l("The maximum age must not be below the minimum age."))

    def validate_max_age_extended(self, field: Any) -> None:
        if self.max_age.data is not None and field.data is not None and field.data < self.max_age.data:
            raise ValidationError(_l("The extended maximum age must not be below the maximum age."))

    def validate_priority_groups(self, field: Any) -> None:
        try:
            self.parsed_groups = parse_priority_groups(field.data or "")
        except PriorityTextError as err:
            # Every faulty line is listed, each as its own message by the field.
            field.errors.extend(err.messages[:-1])
            raise ValidationError(err.messages[-1]) from None

    def values(self) -> dict[str, Any]:
        """The form's values by setting name (after validate), without the effective month."""
        out: dict[str, Any] = {}
        for name in SETTINGS_COLUMNS:
            value = self[name].data
            if isinstance(value, Decimal):
                value = _quantize(value)
            if isinstance(value, str):
                value = value.strip()
            out[name] = value
        out["priority_groups"] = self.parsed_groups
        return out


# The page's sections, in order: (heading, the fields in it).
SETTINGS_GROUPS: tuple[tuple[Any, tuple[str, ...]], ...] = (
    (_l("District"), ("district_name", "office_name")),
    (_l("Eligibility"), ("min_age", "max_age", "max_age_extended", "default_labour", "scope",
                         "one_post_per_household", "exclude_stable_employment", "exclude_away_working",
                         "max_choices", "priority_groups")),
    (_l("Attendance and subsidy"), ("required_days", "monthly_subsidy", "absence_deduction",
                                    "sick_certificate_days", "correction_reason_after_days",
                                    "submission_deadline_day", "payment_period")),
    (_l("Dismissal review"), ("dismissal_absent_days", "dismissal_rate", "dismissal_rate_months")),
    (_l("Yearly round"), ("good_standing_rate", "notice_days", "km_per_warden", "village_post_cap")),
    (_l("Accounts"), ("login_max_failures", "login_lock_minutes")),
)
SETTINGS_HELP = {
    "max_age_extended": _l("Applicants past the maximum age but not this one may be placed when healthy."),
    "scope": _l("Relative to the village the applicant's household lives in."),
    "priority_groups": _l(
        "One line per group, highest priority first. Join flags with “+”; a household must have all the "
        "flags of a line. Write flags as 脱贫户, 受灾户, 监测对象, 低保, 零就业, 残疾 (or their codes). "
        "A last line “其他” (or *) places everyone else eligible after the groups."
    ),
    "dismissal_rate": _l("A number between 0 and 1: 0.60 means 60%."),
    "good_standing_rate": _l("A number between 0 and 1: 0.90 means 90% of required days present over the last 12 months."),
    "absence_deduction": _l("0 means no deduction."),
    "submission_deadline_day": _l("A month's sheet is due by this day of the month after it (by that month's last day "
                                  "when it is shorter): 25 means October's sheet is due by 25 November."),
    "km_per_warden": _l("Used to size posts: about one warden per this many kilometres."),
}
SETTINGS_COLUMNS = tuple(name for _title, names in SETTINGS_GROUPS for name in names)
# Each setting's name as the page shows it (its history and the worklist use the same words).
SETTINGS_LABELS: dict[str, Any] = {name: getattr(SettingsForm, name).args[0] for name in SETTINGS_COLUMNS}
