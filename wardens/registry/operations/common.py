"""What every entity's rules share: the refusal, field rules used by more than one entity, and the audit trail."""
from __future__ import annotations

import re
import unicodedata
from typing import Any, Iterable

from flask_babel import gettext as _
from sqlalchemy import insert, select

from ...audit import AuditAction, record_audit, record_audits, snapshot  # noqa: F401 (record_audits: re-exported for the importers)
from ...dates import today, utcnow
from ...errors import Refusal
from ...extensions import db
from ...masking import SECRET_FIELDS, mask_secrets
from ...models import Assignment, AuditEvent, Labour, Person

# Mobile: 11 digits starting 13-19. Landline: area code 0xx(x), optional dash, 7-8 digits.
_MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
_LANDLINE = re.compile(r"^0[0-9]{2,3}-?[0-9]{7,8}$")
# Rows per executemany in bulk imports.
BULK_CHUNK = 2000


class RegistryError(Refusal, ValueError):
    """A register rule refused the change; `field` names the input at fault (or None)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, field=field)


# ---------------------------------------------------------------- field rules

def clean_text(value: str | None, *, limit: int, field: str | None = None, what: Any = None) -> str | None:
    """Trimmed text, None when empty; longer than ``limit`` characters is refused by ``field``.

    ``what`` names the value in the message ("Household number may have at most 40 characters").
    """
    if value is None:
        return None
    value = str(value).strip()
    if len(value) > limit:
        raise RegistryError(_("%(what)s may have at most %(n)d characters.", what=what, n=limit) if what is not None
                            else _("This text may have at most %(n)d characters.", n=limit), field)
    return value or None


def half_width(text: str) -> str:
    """Full-width digits, signs and spaces as ASCII: Chinese input methods type phone numbers as １３８…"""
    return unicodedata.normalize("NFKC", text)


def check_phone(raw: str | None, field: str = "phone") -> str | None:
    """A mobile (11 digits, 13x-19x) or a landline with its area code; empty is allowed."""
    phone = clean_text(raw, limit=20)
    if phone is None:
        return None
    compact = half_width(phone).replace(" ", "")
    if compact.startswith("+86"):
        compact = compact[3:]
    if not (_MOBILE.match(compact) or _LANDLINE.match(compact)):
        raise RegistryError(
            _("Phone number %(phone)s is not valid: give an 11-digit mobile number or a landline with its area code.",
              phone=phone),
            field,
        )
    return compact


def check_labour(raw: str | None, field: str = "labour") -> str:
    """One of the labour-ability codes (full, weak, none)."""
    if raw not in {m.value for m in Labour}:
        raise RegistryError(_("Labour ability %(value)s is not one of the known kinds.", value=raw or ""), field)
    return str(raw)


def holders_in_force_where(condition: Any) -> list[str]:
    """Names of the people matching condition whose agreement is in force today or later.

    Households, people and posts all refuse deactivation while someone holds a post,
    so the one query lives here.
    """
    day = today()
    rows = db.session.scalars(
        select(Person.name)
        .join(Assignment, Assignment.person_id == Person.id)
        .where(condition, Assignment.term_end >= day, (Assignment.ended_on.is_(None)) | (Assignment.ended_on >= day))
        .order_by(Person.name)
    ).all()
    return list(dict.fromkeys(rows))


# ---------------------------------------------------------------- audit

def snap(obj: Any, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """An audit snapshot with ID numbers, phones and bank accounts masked.

    The audit trail is read by more people than may see full numbers, and a full
    number must only ever be shown through the audited reveal action.
    """
    return mask_secrets(snapshot(obj, fields))


def changed_values(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The changed fields only, before and after, compared unmasked and returned masked; None when nothing changed."""
    changed = sorted(k for k in after if after[k] != before.get(k))
    if not changed:
        return None

    def masked(data: dict[str, Any]) -> dict[str, Any]:
        return {k: (SECRET_FIELDS[k](data.get(k)) if k in SECRET_FIELDS and data.get(k) else data.get(k))
                for k in changed}

    return masked(before), masked(after)


def set_active(obj: Any, active: bool, fields: Iterable[str] | None = None, *, actor_id: int | None) -> None:
    """Deactivate or reactivate a record, with its audit event; nothing when it already is."""
    if obj.active == active:
        return
    fields = tuple(fields) if fields is not None else None
    before = snap(obj, fields)
    obj.active = active
    db.session.flush()
    record_audit(AuditAction.DEACTIVATE if not active else AuditAction.REACTIVATE, obj, before=before, after=snap(obj, fields), actor_id=actor_id)


def audit_update(obj: Any, before: dict[str, Any], fields: Iterable[str] | None = None, *, actor_id: int | None) -> bool:
    """Write one 'update' event with the changed fields only (compared unmasked, recorded masked)."""
    after = snapshot(obj, tuple(fields) if fields is not None else None)
    change = changed_values(before, after)
    if change is None:
        return False
    record_audit(AuditAction.UPDATE, obj, before=change[0], after=change[1], actor_id=actor_id)
    return True
