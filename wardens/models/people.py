"""People: applicants and holders, identified by their 18-character ID number."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from allocation.rules import age_at
from pypinyin import Style, lazy_pinyin
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .enums import Labour, sql_in

if TYPE_CHECKING:
    from .assignments import Assignment
    from .households import Household


class Person(db.Model):
    __tablename__ = "person"
    __table_args__ = (
        CheckConstraint(f"labour IN ({sql_in(Labour)})", name="labour_known"),
        CheckConstraint("sex IN ('M', 'F')", name="sex_known"),
        CheckConstraint("length(id_number) = 18", name="id_number_length"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), index=True)
    # Pinyin initials of the name ("张三" -> "zs") so clerks can search by them.
    name_initials: Mapped[str] = mapped_column(String(50), default="", index=True)
    id_number: Mapped[str] = mapped_column(String(18), unique=True)
    # Last four characters, indexed: the usual way staff look a person up.
    id_last4: Mapped[str] = mapped_column(String(4), index=True)
    birth_date: Mapped[dt.date]
    sex: Mapped[str] = mapped_column(String(1))
    phone: Mapped[str | None] = mapped_column(String(20))
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    labour: Mapped[str] = mapped_column(String(10), default=Labour.FULL.value)
    away_working: Mapped[bool] = mapped_column(default=False)
    stable_employment: Mapped[bool] = mapped_column(default=False)
    bank_name: Mapped[str | None] = mapped_column(String(100))
    bank_account: Mapped[str | None] = mapped_column(String(40))
    active: Mapped[bool] = mapped_column(default=True)
    note: Mapped[str | None] = mapped_column(Text)

    household: Mapped["Household"] = relationship(back_populates="members")
    assignments: Mapped[list["Assignment"]] = relationship(
        back_populates="person", order_by="Assignment.term_start.desc()"
    )

    def age_on(self, day: dt.date) -> int:
        """Whole years of age on a day, by the matcher's own rule (allocation.rules.age_at)."""
        return age_at(self.birth_date, day)

    def __repr__(self) -> str:
        return f"<Person {self.name}>"


@lru_cache(maxsize=65536)
def name_initials(name: str) -> str:
    """Pinyin initials of a name ("张三" -> "zs"), for searching; other letters kept lower-case."""
    letters = lazy_pinyin(name, style=Style.FIRST_LETTER, errors=lambda chars: list(chars))
    return "".join(part[:1] for part in letters if part and part[:1].isalnum()).lower()[:50]


@event.listens_for(Person, "before_insert")
@event.listens_for(Person, "before_update")
def fill_name_initials(_mapper: Any, _connection: Any, person: Person) -> None:
    """Keep name_initials in step with the name on every insert and update, whichever code path
    made the person (the register's forms, an import, the round's new applicants, the demo)."""
    initials = name_initials(person.name or "")
    if person.name_initials != initials:
        person.name_initials = initials
