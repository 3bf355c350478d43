"""Read a problem dict into ``model.Problem``, naming every fault by its JSON path.

Every fault found is reported, one line each (``candidates[3].household:
unknown household 'H9'``), so staff can fix a file in one pass.  Nothing here
raises anything but ``ProblemError``.
"""

from __future__ import annotations

import json
import re
from operator import attrgetter
from datetime import date
from collections.abc import Iterator
from typing import Any

from . import rules
from .model import (
    DEFAULT_MAX_AGE,
    DEFAULT_MIN_AGE,
    DEFAULT_POST_LABOUR,
    DEFAULT_PRIORITY_GROUPS,
    FLAGS,
    LABOUR_LEVELS,
    MAX_CHOICES,
    SCOPES,
    Candidate,
    Household,
    Post,
    Problem,
    Settings,
    Village,
)


class ProblemError(ValueError):
    """The problem cannot be solved as given; ``errors`` holds one ``"path: message"`` line per fault."""

    def __init__(self, errors: list[str]):
        self.errors = list(errors)
        super().__init__("\n".join(self.errors))


_MISSING = object()
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits: the format is YYYY-MM-DD, not any script's digits
_FLAG_SET = frozenset(FLAGS)
_LABOUR_SET = frozenset(LABOUR_LEVELS)

_TOP_KEYS = ("reference_date", "settings", "villages", "households", "posts", "candidates")
_TOP_REQUIRED = ("reference_date", "villages", "households", "posts", "candidates")
_SETTINGS_KEYS = frozenset(
    ("scope", "one_post_per_household", "only_chosen_posts", "protect_incumbents", "priority_groups")
)
_VILLAGE_KEYS = frozenset(("id", "township", "neighbours", "name"))
_VILLAGE_REQUIRED = ("id", "township")
_HOUSEHOLD_KEYS = frozenset(("id", "village", "flags", "cadre", "name"))
_HOUSEHOLD_REQUIRED = ("id", "village")
_POST_KEYS = frozenset(("id", "village", "slots", "min_age", "max_age", "labour", "name", "kind"))
_POST_REQUIRED = ("id", "village", "slots")
_CANDIDATE_KEYS = frozenset(
    (
        "id",
        "household",
        "birth_date",
        "labour",
        "choices",
        "current_post",
        "good_standing",
        "excluded",
        "pinned_post",
        "name",
    )
)
_CANDIDATE_REQUIRED = ("id", "household", "birth_date", "labour")


def load_problem_json(text: str | bytes) -> Problem:
    """Parse JSON text into a validated ``Problem``; raise ``ProblemError`` on any fault."""
    if isinstance(text, bytes):
        try:
            # A byte-order mark is tolerated: Windows editors in offices write one.
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ProblemError([f"$: the file is not UTF-8 text ({exc.reason} at byte {exc.start})"]) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProblemError([f"$: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"]) from None
    except RecursionError:
        raise ProblemError(["$: invalid JSON: nested too deeply"]) from None
    # JSON may spell half of a UTF-16 pair on its own ("\ud800"); Python reads
    # it into a string no UTF-8 output can hold.  Only such files need the walk.
    if "\\ud" in text or "\\uD" in text:
        broken = list(_lone_surrogates(data, ""))
        if broken:
            raise ProblemError([f"{path}: text holds an unpaired UTF-16 surrogate escape, not a character" for path in broken])
    return parse_problem(data)


def _lone_surrogates(value: Any, path: str) -> Iterator[str]:
    """Yield the path of every string (key or value) that is not valid Unicode text."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            yield path or "$"
    elif isinstance(value, dict):
        for key, item in value.items():
            # the path itself must be printable, whatever the key holds
            shown = key.encode("utf-8", "backslashreplace").decode("utf-8")
            child = f"{path}.{shown}" if path else shown
            yield from _lone_surrogates(key, child)
            yield from _lone_surrogates(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _lone_surrogates(item, f"{path}[{index}]")


def parse_problem(data: Any) -> Problem:
    """Validate a problem dict and return a ``Problem`` sorted by id; raise ``ProblemError`` listing every fault."""
    reader = _Reader()
    problem = reader.read(data)
    if reader.errors:
        raise ProblemError(reader.errors)
    return problem


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


class _Reader:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def err(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}")

    # -- small typed readers -------------------------------------------------

    def record(self, value: Any, path: str, allowed: frozenset[str], required: tuple[str, ...]) -> bool:
        if type(value) is not dict:
            self.err(path, f"expected an object, got {_describe(value)}")
            return False
        extra = value.keys() - allowed
        for key in sorted(extra, key=str):
            self.err(f"{path}.{key}", f"unknown field (allowed: {', '.join(sorted(allowed))})")
        for key in required:
            if key not in value:
                self.err(f"{path}.{key}", "required field is missing")
        return True

    def ident(self, value: Any, path: str) -> str | None:
        if value is _MISSING:
            return None  # already reported as a missing required field
        if type(value) is not str or not value:
            self.err(path, f"expected a non-empty text id, got {_describe(value)}")
            return None
        return value

    def text(self, value: Any, path: str, *, optional: bool = True) -> str | None:
        if value is None and optional:
            return None
        if type(value) is not str:
            self.err(path, f"expected text, got {_describe(value)}")
            return None
        return value

    def flag(self, value: Any, path: str, default: bool) -> bool:
        if value is None:
            return default
        if type(value) is not bool:
            self.err(path, f"expected true or false, got {_describe(value)}")
            return default
        return value

    def count(self, value: Any, path: str, what: str) -> int | None:
        if type(value) is not int:
            self.err(path, f"expected a whole number of {what}, got {_describe(value)}")
            return None
        if value < 0:
            self.err(path, f"must not be negative, got {value}")
            return None
        return value

    def day(self, value: Any, path: str, cache: dict[str, date]) -> date | None:
        if type(value) is not str:
            self.err(path, f"expected a date YYYY-MM-DD, got {_describe(value)}")
            return None
        parsed = cache.get(value)
        if parsed is not None:
            return parsed
        if not _DATE.fullmatch(value):
            self.err(path, f"bad date {value!r}: expected YYYY-MM-DD")
            return None
        try:
            parsed = date.fromisoformat(value)
        except ValueError:
            self.err(path, f"bad date {value!r}: no such day")
            return None
        cache[value] = parsed
        return parsed

    def labour(self, value: Any, path: str) -> str | None:
        if type(value) is not str or value not in _LABOUR_SET:
            self.err(path, f"unknown labour ability {_describe(value)} (allowed: none, weak, full)")
            return None
        return value

    def id_list(self, value: Any, path: str) -> list[tuple[str, str]]:
        """Return (path, id) pairs of a list of ids."""
        if value is None:
            return []
        if type(value) is not list:
            self.err(path, f"expected a list of ids, got {_describe(value)}")
            return []
        out = []
        for index, item in enumerate(value):
            ident = self.ident(item, f"{path}[{index}]")
            if ident is not None:
                out.append((f"{path}[{index}]", ident))
        return out

    def flags(self, value: Any, path: str) -> frozenset[str]:
        if value is None:
            return frozenset()
        if type(value) is not list:
            self.err(path, f"expected a list of flags, got {_describe(value)}")
            return frozenset()
        good = []
        for index, item in enumerate(value):
            if type(item) is not str or item not in _FLAG_SET:
                self.err(f"{path}[{index}]", f"unknown flag {_describe(item)} (known: {', '.join(FLAGS)})")
            else:
                good.append(item)
        return frozenset(good)

    def unique(self, records: list[tuple[int, Any]], kind: str, section: str) -> dict[str, int]:
        """Map id -> index, reporting duplicates."""
        seen = {record.id: index for index, record in reversed(records)}
        if len(seen) == len(records):
            return seen  # no duplicates (the common case): built in one pass
        seen = {}
        for index, record in records:
            first = seen.get(record.id)
            if first is not None:
                self.err(f"{section}[{index}].id", f"duplicate {kind} id {record.id!r} (first at {section}[{first}])")
            else:
                seen[record.id] = index
        return seen

    # -- the problem ---------------------------------------------------------

    def read(self, data: Any) -> Problem | None:
        if type(data) is not dict:
            self.err("$", f"expected a JSON object with {', '.join(_TOP_REQUIRED)}, got {_describe(data)}")
            return None
        for key in sorted(data.keys() - set(_TOP_KEYS), key=str):
            self.err(key, f"unknown field (allowed: {', '.join(_TOP_KEYS)})")
        for key in _TOP_REQUIRED:
            if key not in data:
                self.err(key, "required field is missing")
        dates: dict[str, date] = {}
        reference = self.day(data["reference_date"], "reference_date", dates) if "reference_date" in data else None
        settings = self.settings(data.get("settings"))

        villages = self.villages(self.section(data, "villages"))
        households = self.households(self.section(data, "households"))
        posts = self.posts(self.section(data, "posts"))
        candidates = self.candidates(self.section(data, "candidates"), dates)

        village_ids = self.unique(villages, "village", "villages")
        household_ids = self.unique(households, "household", "households")
        post_ids = self.unique(posts, "post", "posts")
        self.unique(candidates, "candidate", "candidates")

        for index, village in villages:
            for path, other in village.neighbours_paths:
                if other not in village_ids:
                    self.err(path, f"unknown village {other!r}")
        for index, household in households:
            if household.village is not None and household.village not in village_ids:
                self.err(f"households[{index}].village", f"unknown village {household.village!r}")
        for index, post in posts:
            if post.village is not None and post.village not in village_ids:
                self.err(f"posts[{index}].village", f"unknown village {post.village!r}")
        for index, cand in candidates:
            if type(cand) is Candidate and _references_known(cand, household_ids, post_ids, reference):
                continue  # the common case: nothing to report, so no paths to build
            path = f"candidates[{index}]"
            if cand.household is not None and cand.household not in household_ids:
                self.err(f"{path}.household", f"unknown household {cand.household!r}")
            if isinstance(cand, _Draft):
                choice_paths = cand.choice_paths
            else:
                choice_paths = [(f"{path}.choices[{r}]", c) for r, c in enumerate(cand.choices) if c not in post_ids]
            for choice_path, choice in choice_paths:
                if choice not in post_ids:
                    self.err(choice_path, f"unknown post {choice!r}")
            if cand.current_post is not None and cand.current_post not in post_ids:
                self.err(f"{path}.current_post", f"unknown post {cand.current_post!r}")
            if cand.pinned_post is not None and cand.pinned_post not in post_ids:
                self.err(f"{path}.pinned_post", f"unknown post {cand.pinned_post!r}")
            if reference is not None and cand.birth_date is not None and cand.birth_date > reference:
                self.err(f"{path}.birth_date", f"{cand.birth_date.isoformat()} is after the reference date {reference.isoformat()}")

        if self.errors or reference is None:
            return None
        problem = Problem(
            reference_date=reference,
            settings=settings,
            villages=sorted((v.build() for _, v in villages), key=_by_id),
            households=sorted((_built(h) for _, h in households), key=_by_id),
            posts=sorted((_built(p) for _, p in posts), key=_by_id),
            candidates=sorted((_built(c) for _, c in candidates), key=_by_id),
        )
        self.pins(problem, [(index, c.id) for index, c in candidates])
        return problem

    def section(self, data: dict, key: str) -> list:
        value = data.get(key, [])
        if type(value) is not list:
            self.err(key, f"expected a list, got {_describe(value)}")
            return []
        return value

    def settings(self, value: Any) -> Settings:
        settings = Settings()
        if value is None:
            return settings
        if not self.record(value, "settings", _SETTINGS_KEYS, ()):
            return settings
        scope = value.get("scope")
        if scope is not None:
            if type(scope) is not str or scope not in SCOPES:
                self.err("settings.scope", f"unknown scope {_describe(scope)} (allowed: {', '.join(SCOPES)})")
            else:
                settings.scope = scope
        settings.one_post_per_household = self.flag(
            value.get("one_post_per_household"), "settings.one_post_per_household", True
        )
        settings.only_chosen_posts = self.flag(value.get("only_chosen_posts"), "settings.only_chosen_posts", False)
        settings.protect_incumbents = self.flag(value.get("protect_incumbents"), "settings.protect_incumbents", False)
        groups = value.get("priority_groups")
        if groups is None:
            settings.priority_groups = DEFAULT_PRIORITY_GROUPS
        elif type(groups) is not list:
            self.err("settings.priority_groups", f"expected a list of flag lists, got {_describe(groups)}")
        else:
            parsed = []
            for index, group in enumerate(groups):
                path = f"settings.priority_groups[{index}]"
                if type(group) is not list:
                    self.err(path, f"expected a list of flags, got {_describe(group)}")
                    continue
                flags = self.flags(group, path)
                parsed.append(tuple(f for f in FLAGS if f in flags))
            settings.priority_groups = tuple(parsed)
        return settings

    def villages(self, items: list) -> list[tuple[int, _Draft]]:
        out = []
        for index, item in enumerate(items):
            path = f"villages[{index}]"
            if not self.record(item, path, _VILLAGE_KEYS, _VILLAGE_REQUIRED):
                continue
            draft = _Draft(Village)
            draft.id = self.ident(item.get("id", _MISSING), f"{path}.id")
            draft.fields["id"] = draft.id
            draft.fields["township"] = self.ident(item.get("township", _MISSING), f"{path}.township")
            draft.neighbours_paths = self.id_list(item.get("neighbours"), f"{path}.neighbours")
            draft.fields["neighbours"] = tuple(sorted({v for _, v in draft.neighbours_paths}))
            draft.fields["name"] = self.text(item.get("name"), f"{path}.name")
            if draft.id is not None:
                out.append((index, draft))
        return out

    def households(self, items: list) -> list[tuple[int, Any]]:
        out = []
        for index, item in enumerate(items):
            fast = _fast_household(item)
            if fast is not None:
                out.append((index, fast))
                continue
            path = f"households[{index}]"
            if not self.record(item, path, _HOUSEHOLD_KEYS, _HOUSEHOLD_REQUIRED):
                continue
            draft = _Draft(Household)
            draft.id = self.ident(item.get("id", _MISSING), f"{path}.id")
            draft.fields["id"] = draft.id
            draft.village = self.ident(item.get("village"), f"{path}.village") if "village" in item else None
            draft.fields["village"] = draft.village
            draft.fields["flags"] = self.flags(item.get("flags"), f"{path}.flags")
            draft.fields["cadre"] = self.flag(item.get("cadre"), f"{path}.cadre", False)
            draft.fields["name"] = self.text(item.get("name"), f"{path}.name")
            if draft.id is not None:
                out.append((index, draft))
        return out

    def posts(self, items: list) -> list[tuple[int, Any]]:
        out = []
        for index, item in enumerate(items):
            fast = _fast_post(item)
            if fast is not None:
                out.append((index, fast))
                continue
            path = f"posts[{index}]"
            if not self.record(item, path, _POST_KEYS, _POST_REQUIRED):
                continue
            draft = _Draft(Post)
            draft.id = self.ident(item.get("id", _MISSING), f"{path}.id")
            draft.fields["id"] = draft.id
            draft.village = self.ident(item.get("village"), f"{path}.village") if "village" in item else None
            draft.fields["village"] = draft.village
            if "slots" in item:
                draft.fields["slots"] = self.count(item["slots"], f"{path}.slots", "slots")
            low = item.get("min_age", DEFAULT_MIN_AGE)
            high = item.get("max_age", DEFAULT_MAX_AGE)
            low = self.count(low, f"{path}.min_age", "years")
            high = self.count(high, f"{path}.max_age", "years")
            if low is not None and high is not None and low > high:
                self.err(f"{path}.min_age", f"min_age {low} is above max_age {high}")
            draft.fields["min_age"] = low
            draft.fields["max_age"] = high
            labour = item.get("labour", DEFAULT_POST_LABOUR)
            draft.fields["labour"] = self.labour(labour, f"{path}.labour")
            draft.fields["name"] = self.text(item.get("name"), f"{path}.name")
            draft.fields["kind"] = self.text(item.get("kind"), f"{path}.kind")
            if draft.id is not None:
                out.append((index, draft))
        return out

    def candidates(self, items: list, dates: dict[str, date]) -> list[tuple[int, Any]]:
        out = []
        for index, item in enumerate(items):
            fast = _fast_candidate(item, dates)
            if fast is not None:
                out.append((index, fast))
                continue
            path = f"candidates[{index}]"
            if not self.record(item, path, _CANDIDATE_KEYS, _CANDIDATE_REQUIRED):
                continue
            draft = _Draft(Candidate)
            draft.id = self.ident(item.get("id", _MISSING), f"{path}.id")
            draft.fields["id"] = draft.id
            draft.household = self.ident(item.get("household"), f"{path}.household") if "household" in item else None
            draft.fields["household"] = draft.household
            draft.birth_date = self.day(item["birth_date"], f"{path}.birth_date", dates) if "birth_date" in item else None
            draft.fields["birth_date"] = draft.birth_date
            draft.fields["labour"] = self.labour(item["labour"], f"{path}.labour") if "labour" in item else None
            choices = self.id_list(item.get("choices"), f"{path}.choices")
            if len(choices) > MAX_CHOICES:
                self.err(f"{path}.choices", f"{len(choices)} choices given, at most {MAX_CHOICES} allowed")
            first_at: dict[str, int] = {}
            for rank, (_, choice) in enumerate(choices):
                if choice in first_at:
                    self.err(
                        f"{path}.choices[{rank}]", f"post {choice!r} is already choice {first_at[choice] + 1}"
                    )
                else:
                    first_at[choice] = rank
            draft.choice_paths = choices
            draft.fields["choices"] = tuple(c for _, c in choices)
            current = item.get("current_post")
            draft.current_post = None if current is None else self.ident(current, f"{path}.current_post")
            draft.fields["current_post"] = draft.current_post
            pinned = item.get("pinned_post")
            draft.pinned_post = None if pinned is None else self.ident(pinned, f"{path}.pinned_post")
            draft.fields["pinned_post"] = draft.pinned_post
            draft.fields["good_standing"] = self.flag(item.get("good_standing"), f"{path}.good_standing", False)
            excluded = item.get("excluded")
            if excluded is not None and (type(excluded) is not str or not excluded.strip()):
                self.err(f"{path}.excluded", f"expected null or the reason for exclusion, got {_describe(excluded)}")
                excluded = None
            draft.fields["excluded"] = excluded
            draft.fields["name"] = self.text(item.get("name"), f"{path}.name")
            if draft.id is not None:
                out.append((index, draft))
        return out

    # -- pins: a staff decision is kept as given, so it must be possible -----

    def pins(self, problem: Problem, order: list[tuple[int, str]]) -> None:
        if all(c.pinned_post is None for c in problem.candidates):
            return
        settings = problem.settings
        villages = {v.id: v for v in problem.villages}
        households = {h.id: h for h in problem.households}
        posts = {p.id: p for p in problem.posts}
        candidates = {c.id: c for c in problem.candidates}
        neighbours = symmetric_neighbours(problem.villages)
        township_villages = villages_by_township(problem.villages)
        filled: dict[str, list[str]] = {}
        household_pin: dict[str, tuple[str, str]] = {}
        for index, cand_id in order:
            cand = candidates[cand_id]
            if cand.pinned_post is None:
                continue
            path = f"candidates[{index}].pinned_post"
            post = posts[cand.pinned_post]
            household = households[cand.household]
            tier = rules.household_tier(household.flags, settings.priority_groups)
            age = rules.age_at(cand.birth_date, problem.reference_date)
            faults = [_PIN_PERSON[rule](cand) for rule in rules.person_failures(cand, household, tier)]
            scope = rules.villages_in_scope(villages[household.village], settings.scope, neighbours, township_villages)
            if post.village not in scope:
                faults.append(f"post is in village {post.village!r}, outside the {settings.scope} scope of village {household.village!r}")
            for rule in rules.post_failures(cand, age, post, settings.only_chosen_posts):
                faults.append(_PIN_POST[rule](age, cand, post))
            if faults:
                self.err(path, f"candidate {cand.id!r} cannot take post {post.id!r}: " + "; ".join(faults))
                continue
            holders = filled.setdefault(post.id, [])
            if len(holders) >= post.slots:
                taken = ", ".join(repr(h) for h in holders)
                self.err(path, f"post {post.id!r} has {post.slots} slot(s), already filled by the pins of {taken}")
                continue
            if settings.one_post_per_household:
                earlier = household_pin.get(household.id)
                if earlier is not None:
                    self.err(
                        path,
                        f"household {household.id!r} already has candidate {earlier[0]!r} pinned to post "
                        f"{earlier[1]!r}; one post per household",
                    )
                    continue
                household_pin[household.id] = (cand.id, post.id)
            holders.append(cand.id)


_PIN_PERSON = {
    "excluded": lambda c: f"the candidate is excluded ({c.excluded})",
    "cadre": lambda c: "the household is a village-cadre household",
    "priority_group": lambda c: "the household is in no priority group",
}
_PIN_POST = {
    "slots": lambda age, c, p: "the post has 0 slots",
    "age": lambda age, c, p: f"age {age} is outside the post's range {p.min_age}-{p.max_age}",
    "labour": lambda age, c, p: f"labour ability {c.labour!r} is below the post's {p.labour!r}",
    "chosen": lambda age, c, p: "the post is not among the candidate's choices (only_chosen_posts)",
}


def _references_known(cand: Candidate, households: dict, posts: dict, reference: date | None) -> bool:
    """Return True when every id a well-formed candidate names exists and the birth date is not too late."""
    if cand.household not in households:
        return False
    if cand.current_post is not None and cand.current_post not in posts:
        return False
    if cand.pinned_post is not None and cand.pinned_post not in posts:
        return False
    for choice in cand.choices:
        if choice not in posts:
            return False
    return reference is None or cand.birth_date <= reference


def symmetric_neighbours(villages: list[Village]) -> dict[str, tuple[str, ...]]:
    """Return village -> sorted neighbours, counting a listed neighbour in both directions."""
    links: dict[str, set[str]] = {v.id: set() for v in villages}
    for village in villages:
        for other in village.neighbours:
            if other != village.id:
                links[village.id].add(other)
                links[other].add(village.id)
    return {v: tuple(sorted(n)) for v, n in links.items()}


def villages_by_township(villages: list[Village]) -> dict[str, tuple[str, ...]]:
    """Return township -> its village ids, sorted."""
    out: dict[str, list[str]] = {}
    for village in villages:
        out.setdefault(village.township, []).append(village.id)
    return {t: tuple(sorted(v)) for t, v in out.items()}


_by_id = attrgetter("id")


def _built(record: Any) -> Any:
    return record.build() if isinstance(record, _Draft) else record


def _well_formed_day(value: str) -> date | None:
    """Return the date of a well-formed ``YYYY-MM-DD`` text naming a real day, else None."""
    if not _DATE.fullmatch(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _fast_post(item: Any) -> Post | None:
    """Read a well-formed post without building paths; None sends it to the careful reader."""
    if type(item) is not dict or not item.keys() <= _POST_KEYS:
        return None
    get = item.get
    pid, village, slots = get("id"), get("village"), get("slots")
    low, high, labour = get("min_age", DEFAULT_MIN_AGE), get("max_age", DEFAULT_MAX_AGE), get("labour", DEFAULT_POST_LABOUR)
    name, kind = get("name"), get("kind")
    if type(pid) is not str or not pid or type(village) is not str or not village:
        return None
    if type(slots) is not int or type(low) is not int or type(high) is not int or not 0 <= low <= high or slots < 0:
        return None
    if type(labour) is not str or labour not in _LABOUR_SET:
        return None
    if (name is not None and type(name) is not str) or (kind is not None and type(kind) is not str):
        return None
    return Post(pid, village, slots, low, high, labour, name, kind)


def _fast_household(item: Any) -> Household | None:
    """Read a well-formed household without building paths; None sends it to the careful reader."""
    if type(item) is not dict or not item.keys() <= _HOUSEHOLD_KEYS:
        return None
    hid, village, flags = item.get("id"), item.get("village"), item.get("flags")
    cadre, name = item.get("cadre", False), item.get("name")
    if type(hid) is not str or not hid or type(village) is not str or not village:
        return None
    if flags is None:
        flags = ()
    elif type(flags) is not list or not _FLAG_SET.issuperset(flags):
        return None
    if cadre is None:
        cadre = False
    elif type(cadre) is not bool:
        return None
    if name is not None and type(name) is not str:
        return None
    return Household(hid, village, frozenset(flags), cadre, name)


def _fast_candidate(item: Any, dates: dict[str, date]) -> Candidate | None:
    """Read a well-formed candidate without building paths; None sends it to the careful reader."""
    if type(item) is not dict or not item.keys() <= _CANDIDATE_KEYS:
        return None
    get = item.get
    cid, household, birth, labour = get("id"), get("household"), get("birth_date"), get("labour")
    if type(cid) is not str or not cid or type(household) is not str or not household:
        return None
    if type(labour) is not str or labour not in _LABOUR_SET or type(birth) is not str:
        return None
    born = dates.get(birth)
    if born is None:
        born = _well_formed_day(birth)
        if born is None:
            return None  # let the careful reader name the fault
        dates[birth] = born
    choices = get("choices")
    if not choices:
        if choices is not None and type(choices) is not list:
            return None
        choices = ()
    elif type(choices) is list and len(choices) <= MAX_CHOICES:
        for choice in choices:
            if type(choice) is not str or not choice:
                return None
        choices = tuple(choices)
        if len(choices) > 1 and len(set(choices)) != len(choices):
            return None  # a post chosen twice
    else:
        return None
    current, pinned, standing = get("current_post"), get("pinned_post"), get("good_standing")
    excluded, name = get("excluded"), get("name")
    if current is not None and (type(current) is not str or not current):
        return None
    if pinned is not None and (type(pinned) is not str or not pinned):
        return None
    if standing is None:
        standing = False
    elif type(standing) is not bool:
        return None
    if excluded is not None and (type(excluded) is not str or not excluded.strip()):
        return None
    if name is not None and type(name) is not str:
        return None
    return Candidate(cid, household, born, labour, choices, current, standing, excluded, pinned, name)


class _Draft:
    """A record being read: its fields and the paths needed for cross-reference errors."""

    __slots__ = (
        "cls",
        "fields",
        "id",
        "village",
        "household",
        "birth_date",
        "neighbours_paths",
        "choice_paths",
        "current_post",
        "pinned_post",
    )

    def __init__(self, cls: type) -> None:
        self.cls = cls
        self.fields: dict[str, Any] = {}
        self.id = None
        self.village = None
        self.household = None
        self.birth_date = None
        self.neighbours_paths: list[tuple[str, str]] = []
        self.choice_paths: list[tuple[str, str]] = []
        self.current_post = None
        self.pinned_post = None

    def build(self) -> Any:
        return self.cls(**self.fields)
