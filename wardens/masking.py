"""Personal numbers as the site shows them: masked on every page, form, export and audit entry.

The one place that decides how an ID number, a phone and a bank account look when the
reader may not see them in full. Office staff and the administrator see a person's full
numbers only through the audited reveal action on the person's page (and the audited
unmasked export); every other page, every edit form and every role gets these masks.
"""
from __future__ import annotations

from typing import Any, Callable

from wtforms import StringField


def _keep_ends(value: str | None, head: int, tail: int) -> str:
    if not value:
        return ""
    if len(value) <= head + tail:
        return "*" * len(value)
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def mask_id_number(number: str | None) -> str:
    """The first four and last four characters: 3415**********0011 (region and check digits only)."""
    return _keep_ends(number, 4, 4)


def mask_phone(phone: str | None) -> str:
    """The first three and last four digits: 138****1234."""
    return _keep_ends(phone, 3, 4)


def mask_bank_account(account: str | None) -> str:
    """The last four digits only: ***************0591 (what a bank's own letters print)."""
    return _keep_ends(account, 0, 4)


# Every column that holds such a number, with its mask: audit snapshots, imports and
# exports mask by this table, so a new secret column is masked everywhere at once.
SECRET_FIELDS: dict[str, Callable[[str | None], str]] = {
    "id_number": mask_id_number,
    "phone": mask_phone,
    "road_chief_phone": mask_phone,
    "bank_account": mask_bank_account,
}


def mask_secrets(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of a record's values with every secret column masked."""
    data = dict(data)
    for key, mask in SECRET_FIELDS.items():
        if data.get(key):
            data[key] = mask(data[key])
    return data


class MaskedField(StringField):
    """An edit form's input for a secret number: shows the stored value masked and keeps it unless a new one is typed.

    Sent back unchanged (the masked text as shown), the field's data is the stored
    value; emptied, it is empty (an optional number is removed); anything else is the
    new value, checked by the operation like any typed number. The full number never
    reaches the page, for any role.
    """

    def __init__(self, label: Any = None, validators: Any = None, *, mask: Callable[[str | None], str],
                 **kwargs: Any) -> None:
        render_kw = {"autocomplete": "off", **(kwargs.pop("render_kw", None) or {})}
        super().__init__(label, validators, render_kw=render_kw, **kwargs)
        self.mask = mask
        self.stored: str | None = None

    def process_data(self, value: Any) -> None:
        self.stored = value if value else None
        self.data = value

    def process_formdata(self, valuelist: list[Any]) -> None:
        typed = str(valuelist[0]).strip() if valuelist else ""
        if self.stored and typed == self.mask(self.stored):
            self.data = self.stored
        else:
            self.data = typed

    def _value(self) -> str:
        if self.raw_data:
            typed = str(self.raw_data[0])
            # A typed full number that failed validation is the typist's own; the stored one stays masked.
            return self.mask(self.stored) if self.stored and typed == self.stored else typed
        return self.mask(self.stored)

    @property
    def kept(self) -> bool:
        """Whether the stored value is kept as it was (the masked text was sent back)."""
        return self.stored is not None and self.data == self.stored


def init_app(app: Any) -> None:
    """The template filters every page masks with."""
    app.jinja_env.filters["mask_id"] = mask_id_number
    app.jinja_env.filters["mask_phone"] = mask_phone
    app.jinja_env.filters["mask_account"] = mask_bank_account
