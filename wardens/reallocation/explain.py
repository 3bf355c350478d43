"""The matcher's explanations in the reader's language and in people's words.

A stored result explains every decision in structure: parts, each a code with parameters
(allocation/explain.py lists them). This renders those parts with the site's translations,
naming a post by its code, village and road section and a person by name — never by the
matcher's internal ids (P14, C2244). One query for the posts and one for the people named
on a screen, whatever the number of rows.
"""
from __future__ import annotations

from typing import Any, Iterable

from flask_babel import force_locale, get_locale, gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..labels import group_label, label
from ..models import Person, Post
from .adapter import key_id

Parts = list[dict[str, Any]]


def post_words(post: Post | None, key: str) -> str:
    """A post as people name it: its code, village and road section."""
    if post is None:
        return key
    if post.section:
        return _("%(code)s (%(village)s, %(section)s)", code=post.code, village=post.village.name,
                 section=post.section)
    return _("%(code)s (%(village)s)", code=post.code, village=post.village.name)


def scope_words(scope: str) -> str:
    return {"village": _("their own village"), "neighbouring": _("their own and neighbouring villages"),
            "township": _("their own township")}.get(scope, scope)


def rank_words(rank: int) -> str:
    return {1: _("first choice"), 2: _("second choice"), 3: _("third choice")}.get(rank, str(rank))


def rule_words(rule: str, part: dict[str, Any], post: Post | None) -> str:
    if rule == "slots":
        return _("has no slots")
    if rule == "age":
        low, high = (post.min_age, post.max_age) if post is not None else ("?", "?")
        return _("needs age %(min)s–%(max)s, this person is %(age)d", min=low, max=high, age=part["age"])
    if rule == "labour":
        need = label("labour", post.labour) if post is not None else "?"
        return _("needs %(need)s, this person has %(has)s", need=need, has=label("labour", part["labour"]))
    return _("is not among the choices")


def count_words(rule: str, n: int) -> str:
    return {"slots": _("%(n)d with no slots", n=n), "age": _("%(n)d by age", n=n),
            "labour": _("%(n)d by labour ability", n=n), "chosen": _("%(n)d not chosen", n=n)}[rule]


def referenced(parts: Parts) -> tuple[set[str], set[str]]:
    """The post and candidate keys a list of parts names."""
    posts: set[str] = set()
    people: set[str] = set()
    for part in parts:
        if "post" in part:
            posts.add(part["post"])
        if part.get("posts"):
            posts.update(p["post"] if isinstance(p, dict) else p for p in part["posts"])
        if "who" in part:
            people.add(part["who"])
    return posts, people


class Explainer:
    """Renders the explanations of one screen of decisions (reads the posts and people they name once)."""

    def __init__(self, entries: Iterable[dict[str, Any]], lang: str) -> None:
        self.lang = lang
        post_keys: set[str] = set()
        person_keys: set[str] = set()
        for entry in entries:
            p, c = referenced(entry.get("explanation") or [])
            post_keys |= p
            person_keys |= c
        ids = sorted({key_id(k) for k in post_keys})
        self.posts = {p.id: p for p in db.session.scalars(
            select(Post).where(Post.id.in_(ids)).options(selectinload(Post.village)))} if ids else {}
        people = sorted({key_id(k) for k in person_keys})
        self.names = dict(db.session.execute(select(Person.id, Person.name).where(Person.id.in_(people))).all()) \
            if people else {}

    def post(self, key: str) -> str:
        return post_words(self.posts.get(key_id(key)), key)

    def __call__(self, entry: dict[str, Any]) -> str:
        """The explanation of one stored decision (its reason text when it was stored without parts)."""
        parts = entry.get("explanation")
        if not parts:
            return entry.get("reason", "")
        if str(get_locale() or "zh") == self.lang:
            words = [self.part(p) for p in parts]
        else:
            with force_locale(self.lang):  # asked for another language than the request's
                words = [self.part(p) for p in parts]
        return ("" if self.lang == "zh" else " ").join(w for w in words if w)

    def part(self, part: dict[str, Any]) -> str:
        code = part["code"]
        post = self.post(part["post"]) if "post" in part else ""
        if code == "tier":
            return _("Priority tier %(tier)d (%(group)s).", tier=part["tier"], group=group_label(part["group"]))
        if code == "pinned":
            return _("Placed in %(post)s by staff decision (pinned).", post=post)
        if code == "protected":
            return _("Keeps %(post)s: holds it in good standing and still fits.", post=post)
        if code == "stays":
            if part.get("good_standing"):
                return _("Stays in %(post)s: attendance in good standing, still in a priority group and still "
                         "fits the post.", post=post)
            return _("Stays in %(post)s: still in a priority group and still fits the post, and no one of a "
                     "higher priority took its slot.", post=post)
        if code == "chosen":
            return _("Placed in %(post)s, the %(rank)s.", post=post, rank=rank_words(part["rank"]))
        if code == "chosen_also_held":
            return _("Stays in %(post)s, the %(rank)s and the post held now.", post=post,
                     rank=rank_words(part["rank"]))
        if code == "unchosen":
            return _("Placed in %(post)s: not one of the choices, but a post this person fits that had a slot "
                     "left.", post=post)
        if code == "served":
            who = self.names.get(key_id(part["who"]), _("another member"))
            return _("%(who)s of the same household was placed in %(post)s; one post per household.",
                     who=who, post=post)
        if code == "person_not_eligible":
            faults = [_("excluded (%(why)s)", why=f["why"]) if f["rule"] == "excluded"
                      else _("the household is a village-cadre household") if f["rule"] == "cadre"
                      else _("the household is in no priority group") for f in part["faults"]]
            return _("Cannot take a post: %(faults)s.", faults=_("; ").join(faults))
        if code == "no_posts":
            return _("Cannot take a post: there is no post in %(scope)s.", scope=scope_words(part["scope"]))
        if code == "all_fail":
            return self.all_fail(part)
        if code == "out_of_scope":
            return _("The chosen %(posts)s is outside %(scope)s.", posts=_(", ").join(self.post(p) for p in part["posts"]),
                     scope=scope_words(part["scope"]))
        if code == "outranked":
            if part.get("posts") is not None:
                return _("The posts this person fits (%(posts)s) have %(slots)d slots, all taken.",
                         posts=_(", ").join(self.post(p) for p in part["posts"]), slots=part["slots"])
            return _("The %(n)d posts this person fits have %(slots)d slots, all taken.", n=part["n"],
                     slots=part["slots"])
        if code == "outranked_low":
            if part["unit"] == "household":
                return _("Of the households placed by priority, the lowest is tier %(tier)d.", tier=part["tier"])
            return _("Of the people placed by priority, the lowest is tier %(tier)d.", tier=part["tier"])
        if code == "outranked_same":
            return _("Within tier %(tier)d, choices and the published tie-break decided.", tier=part["tier"])
        if code == "outranked_fixed":
            return _("%(n)d of the slots are held by pinned or protected post holders.", n=part["n"])
        return ""

    def all_fail(self, part: dict[str, Any]) -> str:
        shown = []
        for entry in part["posts"]:
            post = self.posts.get(key_id(entry["post"]))
            faults = _(", ").join(rule_words(r, part, post) for r in entry["faults"])
            shown.append(_("%(post)s %(faults)s", post=self.post(entry["post"]), faults=faults))
        listing = _("; ").join(shown) + _(".")
        more = part.get("more")
        if more:
            counts = _(", ").join(count_words(r, n) for r, n in more["counts"].items())
            listing += ("" if self.lang == "zh" else " ") + _("%(n)d more posts do not fit either (%(counts)s).",
                                                               n=more["n"], counts=counts)
        return _("Cannot take a post: this person fits none of the %(n)d posts in %(scope)s. %(listing)s",
                 n=part["n"], scope=scope_words(part["scope"]), listing=listing)
