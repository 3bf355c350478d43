"""One form per register action. Field types check the shape of input; the register's
rules (ID numbers, phones, duplicates, refusals) live in the operations package and their
RegistryError is shown by the field it names."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from ..forms import DateField, Form
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..labels import FLAGS, LABOUR, POST_KINDS
from ..masking import MaskedField, mask_bank_account, mask_id_number, mask_phone




def labour_choices() -> list[tuple[str, object]]:
    return [(code, word) for code, word in LABOUR.items()]


def flag_choices() -> list[tuple[str, object]]:
    return [(code, word) for code, word in FLAGS.items()]


def kind_choices() -> list[tuple[str, object]]:
    return [(code, word) for code, word in POST_KINDS.items()]


class ActionForm(Form):
    """A bare POST action (deactivate, reactivate, reveal, confirm): only the CSRF token."""


class TownshipForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Name is required.")), Length(max=50)])
    code = StringField(_l("Code"), validators=[Optional(), Length(max=20)])
    submit = SubmitField(_l("Save"))


class VillageForm(Form):
    township_id = SelectField(_l("Township"), coerce=int, validate_choice=True)
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Name is required.")), Length(max=50)])
    code = StringField(_l("Code"), validators=[Optional(), Length(max=20)])
    road_km = DecimalField(
        _l("Rural road length (km)"), places=2, validators=[Optional(), NumberRange(min=0, max=99999)],
        description=_l("Used to size posts by need; leave empty to use the km of its posts."),
    )
    neighbours = SelectMultipleField(_l("Neighbouring villages"), coerce=int, validate_choice=True)
    submit = SubmitField(_l("Save"))


class HouseholdForm(Form):
    number = StringField(_l("Household number"),
                         validators=[DataRequired(message=_l("Household number is required.")), Length(max=40)])
    village_id = SelectField(_l("Village"), coerce=int, validate_choice=True)
    address = StringField(_l("Address"), validators=[Optional(), Length(max=200)])
    cadre = BooleanField(_l("Village-cadre household"))
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save"))


class PersonForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(message=_l("Name is required.")), Length(max=50)])
    id_number = MaskedField(_l("ID number"), validators=[DataRequired(message=_l("ID number is required."))],
                            mask=mask_id_number, render_kw={"inputmode": "text", "maxlength": 22})
    phone = MaskedField(_l("Phone"), validators=[Optional()], mask=mask_phone, render_kw={"inputmode": "tel"})
    labour = SelectField(_l("Labour ability"), choices=labour_choices(), default="full")
    away_working = BooleanField(_l("Working away from home"))
    stable_employment = BooleanField(_l("In stable employment"))
    bank_name = StringField(_l("Bank"), validators=[Optional(), Length(max=100)])
    bank_account = MaskedField(_l("Bank account"), validators=[Optional(), Length(max=40)],
                               mask=mask_bank_account, render_kw={"inputmode": "numeric"})
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Save"))


class FlagSetForm(Form):
    flag = SelectField(_l("Flag"), choices=flag_choices())
    recorded_on = DateField(_l("Recorded on"), validators=[InputRequired(message=_l("Date is required."))])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)],
                       description=_l("For example the disaster: 2020-07 flood"))
    source = StringField(_l("Source"), validators=[Optional(), Length(max=200)],
                         description=_l("Which department's list or document"))
    submit = SubmitField(_l("Record flag"))


class FlagClearForm(Form):
    flag = SelectField(_l("Flag"), choices=flag_choices())
    cleared_on = DateField(_l("Cleared on"), validators=[InputRequired(message=_l("Date is required."))])
    reason = StringField(_l("Reason"), validators=[DataRequired(message=_l("Give the reason the flag is cleared.")),
                                                    Length(max=200)])
    submit = SubmitField(_l("Clear flag"))


class PostForm(Form):
    code = StringField(_l("Post code"), validators=[DataRequired(message=_l("Post code is required.")),
                                                    Length(max=30)])
    kind = SelectField(_l("Post kind"), choices=kind_choices(), default="road_warden")
    village_id = SelectField(_l("Village"), coerce=int, validate_choice=True)
    route_code = StringField(_l("Route code"), validators=[Optional(), Length(max=30)])
    section_start = StringField(_l("Section start"), validators=[Optional(), Length(max=100)])
    section_end = StringField(_l("Section end"), validators=[Optional(), Length(max=100)])
    km = DecimalField(_l("Kilometres"), places=2, default=0,
                      validators=[InputRequired(message=_l("Kilometres must be a number."))])
    slots = IntegerField(_l("Slots"), default=1,
                         validators=[InputRequired(message=_l("Slots must be a whole number."))])
    min_age = IntegerField(_l("Minimum age"), default=18,
                           validators=[InputRequired(message=_l("Minimum age must be a whole number."))])
    max_age = IntegerField(_l("Maximum age"), default=60,
                           validators=[InputRequired(message=_l("Maximum age must be a whole number."))])
    labour = SelectField(_l("Labour ability needed"), choices=labour_choices(), default="weak")
    monthly_subsidy = DecimalField(_l("Monthly subsidy (yuan)"), places=2, default=600,
                                   validators=[InputRequired(message=_l("Monthly subsidy must be a number."))])
    required_days = IntegerField(_l("Required days per month"), default=20,
                                 validators=[InputRequired(message=_l("Required days must be a whole number."))])
    road_chief = StringField(_l("Road chief"), validators=[Optional(), Length(max=50)])
    road_chief_phone = MaskedField(_l("Road chief's phone"), validators=[Optional()], mask=mask_phone)
    # The change the office confirmed (PayChange.token) when it alters a submitted month's pay.
    confirmed = HiddenField()
    submit = SubmitField(_l("Save"))


IMPORT_KINDS = {"people": _l("Households and people"), "posts": _l("Posts")}


class UploadForm(Form):
    refusal_field = "file"  # a file refused on arrival is refused by its field
    kind = SelectField(_l("What the file holds"), choices=list(IMPORT_KINDS.items()))
    file = FileField(_l("File (.xlsx or .csv)"), validators=[FileRequired(message=_l("Choose a file to upload."))])
    submit = SubmitField(_l("Upload and preview"))


class FlagImportForm(Form):
    refusal_field = "file"
    flag = SelectField(_l("Flag"), choices=flag_choices())
    recorded_on = DateField(_l("Recorded on"), validators=[InputRequired(message=_l("Date is required."))])
    source = StringField(_l("Source"), validators=[DataRequired(message=_l("Name the department's list.")),
                                                    Length(max=200)],
                         description=_l("For example: district emergency bureau, flood list of 2020-07-21"))
    note = StringField(_l("Note"), validators=[Optional(), Length(max=200)])
    file = FileField(_l("File (.xlsx or .csv)"), validators=[FileRequired(message=_l("Choose a file to upload."))])
    submit = SubmitField(_l("Upload and preview"))


class ExportForm(Form):
    """An export with full ID numbers: an explicit, audited POST for admin and office staff."""

    fmt = SelectField(_l("Format"), default="xlsx", choices=[
        ("xlsx", "Excel (.xlsx)"),
        ("csv", _l("CSV (spreadsheet programs damage long numbers in CSV)")),
    ])
    unmasked = BooleanField(_l("Full ID numbers and phones (recorded in the audit trail)"))
    submit = SubmitField(_l("Export"))
