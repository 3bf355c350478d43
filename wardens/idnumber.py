"""The resident ID number (GB 11643-1999): normalising, checking, and what it tells."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _

from .errors import BadInput

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_FULL_WIDTH = {ord("０") + i: ord("0") + i for i in range(10)} | {ord("Ｘ"): ord("X"), ord("ｘ"): ord("X")}


class IdNumberError(BadInput, ValueError):
    """The ID number is not valid; the message names the fault."""


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F"


def normalise_id_number(raw: str) -> str:
    """Trim, turn full-width digits into ASCII and a lower-case x into X."""
    return raw.strip().translate(_FULL_WIDTH).replace("x", "X").replace(" ", "")


def check_character(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS))
    return CHECK_CHARS[total % 11]


def parse_id_number(raw: str, *, today: dt.date | None = None) -> IdNumber:
    """Validate an ID number and read the birth date and sex from it.

    Raises IdNumberError naming the fault: length, characters, date or check character.
    """
    number = normalise_id_number(raw or "")
    if len(number) != 18:
        raise IdNumberError(
            _("ID number must have 18 characters, this one has %(n)d.", n=len(number))
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdNumberError(_("ID number may only hold digits, and X as the last character."))
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdNumberError(
            _("ID number holds the birth date %(d)s, which does not exist.", d=number[6:14])
        ) from None
    today = today or dt.date.today()
    if birth > today:
        raise IdNumberError(_("ID number holds a birth date in the future (%(d)s).", d=birth.isoformat()))
    expected = check_character(number[:17])
    if number[17] != expected:
        # Not naming the "right" last character: the mistyped digit is usually another
        # one, and correcting the last to fit would store a valid-looking wrong number.
        raise IdNumberError(_("ID number does not pass its check: a digit is likely mistyped. "
                              "Check it against the ID card or the household register."))
    sex = "M" if int(number[16]) % 2 == 1 else "F"
    return IdNumber(number=number, birth_date=birth, sex=sex)
