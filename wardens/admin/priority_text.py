"""The priority order as text an admin can edit: one line per group, flags joined by "+"."""
from __future__ import annotations

from flask_babel import force_locale, gettext as _

from ..errors import BadInput
from ..labels import FLAGS, group_label, label
from ..models import Flag

# A line holding one of these stands for "everyone else eligible" (the empty group).
EVERYONE_ELSE_WORDS = ("*", "其他", "其余", "其他人", "其他符合条件的人", "everyone else", "everyone else eligible")

# Words the office uses besides the labels themselves (docs/domain.md's vocabulary).
FLAG_ALIASES = {
    "脱贫户": Flag.REGISTERED_POOR,
    "建档立卡": Flag.REGISTERED_POOR,
    "建档立卡户": Flag.REGISTERED_POOR,
    "建档立卡贫困户": Flag.REGISTERED_POOR,
    "贫困户": Flag.REGISTERED_POOR,
    "受灾户": Flag.FLOOD_AFFECTED,
    "监测户": Flag.MONITORING,
    "监测对象": Flag.MONITORING,
    "低保": Flag.LOW_INCOME,
    "低保户": Flag.LOW_INCOME,
    "零就业": Flag.ZERO_EMPLOYMENT,
    "零就业家庭": Flag.ZERO_EMPLOYMENT,
    "残疾": Flag.DISABLED,
    "残疾人": Flag.DISABLED,
}


class PriorityTextError(BadInput, ValueError):
    """The priority text cannot be read; one message per faulty line."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def _flag_words() -> dict[str, str]:
    """Every word that names a flag: its code, its label in each language, and the aliases."""
    words: dict[str, str] = {code: code for code in FLAGS}
    for locale in ("zh", "en"):
        with force_locale(locale):
            words.update({str(text).lower(): code for code, text in FLAGS.items()})
    words.update({word: str(code) for word, code in FLAG_ALIASES.items()})
    return words


def _everyone_else_words() -> set[str]:
    words = set(EVERYONE_ELSE_WORDS)
    for locale in ("zh", "en"):
        with force_locale(locale):
            words.add(str(_("everyone else")).lower())
            words.add(group_label([]).lower())
    return words


def parse_priority_groups(text: str) -> list[list[str]]:
    """Read the priority order: each non-blank line is one group; the catch-all only last.

    Raises PriorityTextError listing every unknown flag, repeated flag or group, and
    a catch-all line that is not the last one.
    """
    words = _flag_words()
    everyone_else = _everyone_else_words()
    lines = [line.strip() for line in (text or "").replace("\r\n", "\n").split("\n")]
    lines = [line for line in lines if line]
    groups: list[list[str]] = []
    errors: list[str] = []
    for number, line in enumerate(lines, start=1):
        if line.lower() in everyone_else:
            if number != len(lines):
                errors.append(_("Line %(n)d: “everyone else” can only be the last line.", n=number))
            groups.append([])
            continue
        group: list[str] = []
        faults = len(errors)
        for raw in line.replace("＋", "+").split("+"):
            word = raw.strip()
            code = words.get(word.lower()) if word else None
            if not word:
                errors.append(_("Line %(n)d: there is an empty flag between two “+”.", n=number))
            elif code is None:
                errors.append(_("Line %(n)d: unknown flag “%(word)s”.", n=number, word=word))
            elif code in group:
                errors.append(_("Line %(n)d: the flag “%(word)s” is given twice.", n=number, word=word))
            else:
                group.append(code)
        # A line with a bad word is reported for that word, not also as a repeat.
        if len(errors) == faults and sorted(group) in [sorted(g) for g in groups]:
            errors.append(_("Line %(n)d: the same group is already listed above.", n=number))
        groups.append(group)
    if not groups:
        errors.append(_("List at least one priority group."))
    if errors:
        raise PriorityTextError(errors)
    return groups


def format_priority_groups(groups: list[list[str]]) -> str:
    """The stored order as editable text, with flags in the user's language."""
    lines = [" + ".join(label("flag", code) for code in group) if group else str(_("everyone else"))
             for group in groups]
    return "\n".join(lines)
