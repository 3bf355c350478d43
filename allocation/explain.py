"""Reasons in structure, and their words: Chinese (default) or English, naming the facts.

Each decision is explained by a short list of *parts*, like Timefold's
justifications: a code and its parameters (``{"code": "tier", "tier": 1,
"group": [...]}``, ``{"code": "stays", "post": "P14", "good_standing": true}``).
The parts are what a result stores; the words are made from them at the edge,
by :func:`render` with this module's own templates (the CLI and the file
contract's ``reason``), or by the caller in its own words and language (the
site, with its translations, naming posts by code and road section and people
by name).  The work per candidate is bounded by the number of distinct post
requirements in scope, not by the number of posts, and not-eligible listings
are cached per (place, age class, labour), so a province-sized run stays linear.

Codes and their parameters (post and candidate ids as in the problem):

- ``tier``: tier, group (the flags of the priority group; [] = everyone else)
- ``pinned`` / ``protected`` / ``unchosen``: post
- ``stays``: post, good_standing (the incumbent keeps the post held now)
- ``chosen`` / ``chosen_also_held``: post, rank (1–3)
- ``person_not_eligible``: faults, each {"rule": "excluded", "why"} | {"rule": "cadre"} | {"rule": "priority_group"}
- ``no_posts``: scope
- ``all_fail``: scope, n, age, labour, posts (up to 5, each {"post", "faults": [rule, ...]}),
  more (null or {"n", "counts": {rule: n}}); rules: slots, age, labour, chosen
- ``out_of_scope``: posts, scope
- ``served``: who (the candidate of the household who was placed), post
- ``outranked``: posts (named, up to 3, or null), n, slots
- ``outranked_low``: unit (household | person), tier
- ``outranked_same``: tier
- ``outranked_fixed``: n
"""

from __future__ import annotations

from . import rules
from .fit import CandidateFit, FitIndex, post_key
from .model import FLAGS, Candidate, Post
from .solver import Placement

#: How many posts a not-eligible reason names one by one before summarising.
LISTED_POSTS = 5
#: Fitting posts are named one by one in an outranked reason up to this many.
NAMED_FIT_POSTS = 3

_TEXT = {
    "zh": {
        "flag": {
            "flood_affected": "受灾户",
            "registered_poor": "脱贫户",
            "monitoring": "监测对象户",
            "low_income": "低保户",
            "zero_employment": "零就业家庭",
            "disabled": "残疾人家庭",
        },
        "flag_join": "且",
        "group_any": "其他户",
        "tier": "第{tier}优先级（{group}）。",
        "labour": {"none": "无劳动能力", "weak": "弱劳力", "full": "全劳力"},
        "choice_word": {1: "第一志愿", 2: "第二志愿", 3: "第三志愿"},
        "pinned": "工作人员指定到岗位{post}。",
        "protected": "保留现在的岗位{post}：在岗表现良好，仍然符合条件。",
        "stays": "继续留在现在的岗位{post}，在岗表现良好。",
        "stays_plain": "继续留在现在的岗位{post}：本人仍然符合条件，这个岗位的名额没有被更优先的人占用。",
        "chosen": "安排到{rank}岗位{post}。",
        "chosen_also_held": "安排到{rank}岗位{post}，也是现在的岗位。",
        "unchosen": "安排到岗位{post}。这个岗位不在本人志愿中，是本人符合条件、还有名额的岗位。",
        "excluded": "已被排除（{why}）",
        "cadre": "本户是村干部户",
        "priority_group": "本户不属于任何优先群体",
        "person_not_eligible": "不能安排岗位：{faults}。",
        "fault_join": "；",
        "scope": {"village": "本村", "neighbouring": "本村和邻村", "township": "本乡镇"},
        "no_posts": "不能安排岗位：{scope}没有岗位。",
        "all_fail": "不能安排岗位：{scope}的{n}个岗位本人都不符合。{listing}",
        "post_fault": "{post}{faults}",
        "rule": {
            "slots": "没有名额",
            "age": "要求{min}–{max}岁，本人{age}岁",
            "labour": "要求{need}，本人是{has}",
            "chosen": "不在本人志愿中",
        },
        "rule_join": "，",
        "list_join": "；",
        "list_end": "。",
        "more": "另外{n}个岗位也不符合（{counts}）。",
        "count": {
            "slots": "没有名额的{n}个",
            "age": "年龄不符的{n}个",
            "labour": "劳动能力不够的{n}个",
            "chosen": "不在志愿中的{n}个",
        },
        "count_join": "，",
        "out_of_scope": "志愿中的{posts}不在{scope}范围内。",
        "served": "同户的{who}已安排到岗位{post}，一户只安排一个岗位。",
        "unit_household": "户",
        "unit_person": "人",
        "posts_named": "（{posts}）",
        "posts_counted": "{n}个",
        "outranked": "本人符合条件的岗位{posts}共{slots}个名额，都已安排出去。",
        "outranked_low": "按优先级安排的{unit}中，最低是第{tier}优先级。",
        "outranked_same": "同为第{tier}优先级时，按志愿得分和公布的规则排定。",
        "outranked_fixed": "其中{n}个名额是工作人员指定或保留的在岗人员。",
        "name_join": "、",
    },
    "en": {
        "flag": {
            "flood_affected": "flood-affected",
            "registered_poor": "registered poor",
            "monitoring": "monitoring",
            "low_income": "low-income",
            "zero_employment": "zero-employment",
            "disabled": "disabled-member",
        },
        "flag_join": " and ",
        "group_any": "any other household",
        "tier": "Priority tier {tier} ({group}).",
        "labour": {"none": "none", "weak": "weak", "full": "full"},
        "choice_word": {1: "first choice", 2: "second choice", 3: "third choice"},
        "pinned": "Placed in post {post} by staff decision (pinned).",
        "protected": "Keeps post {post}: holds it in good standing and still fits.",
        "stays": "Stays in post {post}, held in good standing.",
        "stays_plain": "Stays in post {post}: still fits it, and no one of a higher priority took its slot.",
        "chosen": "Placed in post {post}, the {rank}.",
        "chosen_also_held": "Placed in post {post}, the {rank} and the post already held.",
        "unchosen": "Placed in post {post}. It is not one of the choices; it is a post this person fits that had a slot left.",
        "excluded": "excluded ({why})",
        "cadre": "the household is a village-cadre household",
        "priority_group": "the household is in no priority group",
        "person_not_eligible": "Cannot take a post: {faults}.",
        "fault_join": "; ",
        "scope": {
            "village": "their own village",
            "neighbouring": "their own and neighbouring villages",
            "township": "their own township",
        },
        "no_posts": "Cannot take a post: there is no post in {scope}.",
        "all_fail": "Cannot take a post: this person fits none of the {n} posts in {scope}. {listing}",
        "post_fault": "{post} {faults}",
        "rule": {
            "slots": "has no slots",
            "age": "needs age {min}-{max}, this person is {age}",
            "labour": "needs {need} labour ability, this person has {has}",
            "chosen": "is not among the choices",
        },
        "rule_join": ", ",
        "list_join": "; ",
        "list_end": ".",
        "more": "{n} more posts do not fit either ({counts}).",
        "count": {
            "slots": "{n} with no slots",
            "age": "{n} by age",
            "labour": "{n} by labour ability",
            "chosen": "{n} not chosen",
        },
        "count_join": ", ",
        "out_of_scope": "The chosen {posts} is outside {scope}.",
        # The sentence must not start with the id: ids are printed exactly as given.
        "served": "Another member of the household, {who}, was placed in post {post}; one post per household.",
        "unit_household": "households",
        "unit_person": "people",
        "posts_named": " ({posts})",
        "posts_counted": " ({n} posts)",
        "outranked": "The posts this person fits{posts} have {slots} slots, all taken.",
        "outranked_low": "Of the {unit} placed by priority, the lowest is tier {tier}.",
        "outranked_same": "Within tier {tier}, choices and the published tie-break decided.",
        "outranked_fixed": "{n} of the slots are held by pinned or protected post holders.",
        "name_join": ", ",
    },
}

LANGUAGES = tuple(_TEXT)
_AGE = "\x00age\x00"  # kept for callers of the old name; listings now carry the age as a parameter

Part = dict
Parts = list


def group_words(group: tuple[str, ...] | list[str], lang: str) -> str:
    """Describe a priority group: "受灾户且脱贫户" / "flood-affected and registered poor household"."""
    t = _TEXT[lang]
    if not group:
        return t["group_any"]
    ordered = [f for f in FLAGS if f in group]
    words = t["flag_join"].join(t["flag"][f] for f in ordered)
    return words if lang == "zh" else f"{words} household"


class Explainer:
    """Writes the parts of every candidate's explanation from the fit index and the placements."""

    def __init__(self, index: FitIndex, placements: dict[str, Placement], lang: str = "zh") -> None:
        self.index = index
        self.lang = lang
        self.placements = placements
        self.candidates = {c.id: c for c in index.problem.candidates}
        self.groups = index.settings.priority_groups
        self.per_household = index.settings.one_post_per_household
        # post id -> (matched holder tiers max, fixed holders)
        lowest: dict[str, int] = {}
        fixed: dict[str, int] = {}
        for placement in placements.values():
            if placement.basis == "matched":
                lowest[placement.post] = max(lowest.get(placement.post, 0), placement.tier)
            else:
                fixed[placement.post] = fixed.get(placement.post, 0) + 1
        self.lowest = lowest
        self.fixed = fixed
        self._hub_summary: dict[tuple, tuple] = {}
        self._listing: dict[tuple, Part] = {}
        self._places: dict[str, tuple[list[Post], dict]] = {}
        self._tier_parts: dict[int, list[Part]] = {}
        self._outranked_cache: dict[tuple[int | None, int], tuple[tuple, Parts]] = {}

    def tier_parts(self, tier: int | None) -> list[Part]:
        if tier is None:
            return []
        found = self._tier_parts.get(tier)
        if found is None:
            found = self._tier_parts[tier] = [{"code": "tier", "tier": tier, "group": list(self.groups[tier - 1])}]
        return found

    # -- placed -------------------------------------------------------------

    def assigned(self, fit: CandidateFit, placement: Placement, rank: int | None) -> Parts:
        post = placement.post
        cand = fit.candidate
        holds = cand.current_post == post
        if placement.basis == "pinned":
            what: Part = {"code": "pinned", "post": post}
        elif placement.basis == "protected":
            what = {"code": "protected", "post": post}
        elif holds and rank == 1:
            what = {"code": "chosen_also_held", "post": post, "rank": rank}
        elif holds:
            # An incumbent who keeps the post held now is explained as staying, whatever their
            # other choices (a holder need not list their own post): the label says 留任 too.
            what = {"code": "stays", "post": post, "good_standing": bool(cand.good_standing)}
        elif rank is not None:
            what = {"code": "chosen", "post": post, "rank": rank}
        else:
            what = {"code": "unchosen", "post": post}
        return [*self.tier_parts(fit.tier), what]

    # -- not placed ---------------------------------------------------------

    def household_served(self, fit: CandidateFit, placement: Placement) -> Parts:
        return [*self.tier_parts(fit.tier), {"code": "served", "who": placement.candidate, "post": placement.post}]

    def not_eligible(self, fit: CandidateFit) -> Parts:
        if fit.person_failures:
            faults = [{"rule": "excluded", "why": fit.candidate.excluded} if rule == "excluded" else {"rule": rule}
                      for rule in fit.person_failures]
            return [*self.tier_parts(fit.tier), {"code": "person_not_eligible", "faults": faults}]
        return [*self.tier_parts(fit.tier), *self._post_listing(fit)]

    def _place_posts(self, fit: CandidateFit, place: str) -> tuple[list[Post], dict]:
        """Return the posts in scope sorted by id, and how many posts each requirement key has."""
        found = self._places.get(place)
        if found is None:
            index = self.index
            posts: list[Post] = []
            per_key: dict = {}
            for village in index.scope_villages(fit.village):
                for key, group in index.village_groups.get(village, {}).items():
                    posts.extend(group.posts)
                    per_key[key] = per_key.get(key, 0) + len(group.posts)
            posts.sort(key=lambda p: p.id)
            found = self._places[place] = (posts, per_key)
        return found

    def _post_listing(self, fit: CandidateFit) -> Parts:
        index = self.index
        settings = index.settings
        cand = fit.candidate
        only_chosen = settings.only_chosen_posts
        # The posts in scope depend on the township (township scope) or the own village.
        place = index.villages[fit.village].township if settings.scope == "township" else fit.village
        scope_villages = index.scope_villages(fit.village)
        outside = [p for p in cand.choices if index.posts[p].village not in scope_villages]
        parts: Parts = [self._in_scope_listing(fit, place, only_chosen)]
        if outside:
            parts.append({"code": "out_of_scope", "posts": outside, "scope": settings.scope})
        return parts

    def _in_scope_listing(self, fit: CandidateFit, place: str, only_chosen: bool) -> Part:
        cand = fit.candidate
        labour = cand.labour
        # The listing depends on the age only through which age ranges hold it:
        # cache it per age class and add the age itself per candidate.
        cache_key = (place, self.index._age_class(fit.age), labour, cand.choices if only_chosen else ())
        cached = self._listing.get(cache_key)
        if cached is None:
            cached = self._listing[cache_key] = self._listing_for(fit, place, only_chosen)
        if cached["code"] == "no_posts":
            return cached
        return {**cached, "age": fit.age}

    def _listing_for(self, fit: CandidateFit, place: str, only_chosen: bool) -> Part:
        cand = fit.candidate
        labour = cand.labour
        scope = self.index.settings.scope
        posts, per_key = self._place_posts(fit, place)
        if not posts:
            return {"code": "no_posts", "scope": scope}
        faults_of_key = {
            key: [r for r in ("slots", "age", "labour") if _key_fails(r, key, fit.age, labour)] for key in per_key
        }
        if only_chosen:
            # The chosen posts matter most, so they come first; every other post is "not chosen".
            in_scope = {p.id for p in posts}
            chosen = [self.index.posts[c] for c in cand.choices if c in in_scope]
            ordered = chosen + [p for p in posts if p.id not in cand.choices][: LISTED_POSTS - len(chosen)]
        else:
            ordered = posts[:LISTED_POSTS]
        shown = []
        left = dict(per_key)
        for post in ordered[:LISTED_POSTS]:
            key = post_key(post)
            left[key] -= 1
            faults = faults_of_key[key] + (["chosen"] if only_chosen and post.id not in cand.choices else [])
            shown.append({"post": post.id, "faults": faults})
        more = None
        rest = sum(left.values())
        if rest:
            counts: dict[str, int] = {}
            for key, n in left.items():
                for rule in faults_of_key[key]:
                    counts[rule] = counts.get(rule, 0) + n
            if only_chosen:
                counts["chosen"] = rest
            more = {"n": rest, "counts": {r: counts[r] for r in ("slots", "age", "labour", "chosen") if counts.get(r)}}
        return {"code": "all_fail", "scope": scope, "n": len(posts), "labour": labour, "posts": shown, "more": more}

    def outranked(self, fit: CandidateFit) -> Parts:
        if not fit.targets:
            return self._outranked(fit)
        # With targets, the parts depend only on the tier and the targets, and a
        # target tuple is shared by everyone of a village with the same fit:
        # cache by its identity (kept alive in the entry, so never reused).
        cache_key = (fit.tier, id(fit.targets))
        found = self._outranked_cache.get(cache_key)
        if found is None or found[0] is not fit.targets:
            found = self._outranked_cache[cache_key] = (fit.targets, self._outranked(fit))
        return found[1]

    def _outranked(self, fit: CandidateFit) -> Parts:
        slots = fixed = count = 0
        lowest = 0
        names: list[str] = []
        index = self.index
        if fit.targets:
            hubs = [hub for hub, _ in fit.targets]
            keys_with_township = {hub[2] for hub in hubs if hub[0] == "T"}
            for hub in hubs:
                if hub[0] == "V" and hub[2] in keys_with_township:
                    continue  # the township hub of this key already counts the own village
                h_slots, h_lowest, h_fixed, h_count, h_names = self._summary(hub)
                slots += h_slots
                fixed += h_fixed
                count += h_count
                lowest = max(lowest, h_lowest)
                names.extend(h_names)
        else:
            for post_id in sorted(fit.direct):
                post = index.posts[post_id]
                slots += post.slots
                fixed += self.fixed.get(post_id, 0)
                count += 1
                lowest = max(lowest, self.lowest.get(post_id, 0))
                names.append(post_id)
        parts: Parts = [*self.tier_parts(fit.tier), {
            "code": "outranked", "posts": sorted(names) if count <= NAMED_FIT_POSTS else None, "n": count,
            "slots": slots}]
        if lowest:
            parts.append({"code": "outranked_low", "unit": "household" if self.per_household else "person",
                          "tier": lowest})
            if lowest == fit.tier:
                parts.append({"code": "outranked_same", "tier": lowest})
        if fixed:
            parts.append({"code": "outranked_fixed", "n": fixed})
        return parts

    def _summary(self, hub: tuple) -> tuple[int, int, int, int, list[str]]:
        found = self._hub_summary.get(hub)
        if found is None:
            slots = fixed = count = lowest = 0
            names: list[str] = []
            for group in self.index.hub_groups(hub):
                for post in group.posts:
                    slots += post.slots
                    fixed += self.fixed.get(post.id, 0)
                    lowest = max(lowest, self.lowest.get(post.id, 0))
                    count += 1
                    if len(names) <= NAMED_FIT_POSTS:
                        names.append(post.id)
            found = self._hub_summary[hub] = (slots, lowest, fixed, count, names)
        return found


def _key_fails(rule: str, key: tuple, age: int, labour: str) -> bool:
    """Decide a post rule for every post of a requirement key at once (same tests as ``rules``)."""
    if rule == "slots":
        return not key[3]
    if rule == "age":
        return not key[0] <= age <= key[1]
    return rules.LABOUR_RANK[labour] < key[2]


# -- words: the CLI's and the file contract's rendering of the parts ------------------------

class Renderer:
    """Turns parts into this module's sentences in one language, naming records as the problem does."""

    def __init__(self, problem: Problem, lang: str) -> None:
        if lang not in _TEXT:
            raise ValueError(f"unknown language {lang!r} (allowed: {', '.join(LANGUAGES)})")
        self.lang = lang
        self.t = _TEXT[lang]
        self.posts = {p.id: p for p in problem.posts}
        self.candidates = {c.id: c for c in problem.candidates}
        self._cache: dict[int, tuple[Parts, str]] = {}
        self._tier: dict[int, str] = {}

    def label(self, record: Post | Candidate | None, key: str) -> str:
        if record is not None and record.name:
            return f"{key}（{record.name}）" if self.lang == "zh" else f"{key} ({record.name})"
        return key

    def post(self, key: str) -> str:
        return self.label(self.posts.get(key), key)

    def __call__(self, parts: Parts) -> str:
        # Parts lists shared between candidates (cached outranked reasons) are rendered once.
        found = self._cache.get(id(parts))
        if found is not None and found[0] is parts:
            return found[1]
        words = [self.part(p) for p in parts]
        text = "".join(words) if self.lang == "zh" else " ".join(w for w in words if w)
        self._cache[id(parts)] = (parts, text)
        return text

    def part(self, part: Part) -> str:
        t = self.t
        code = part["code"]
        if code == "tier":
            found = self._tier.get(part["tier"])
            if found is None:
                found = self._tier[part["tier"]] = t["tier"].format(tier=part["tier"],
                                                                    group=group_words(part["group"], self.lang))
            return found
        if code in ("pinned", "protected", "unchosen"):
            return t[code].format(post=self.post(part["post"]))
        if code == "stays":
            return t["stays" if part.get("good_standing") else "stays_plain"].format(post=self.post(part["post"]))
        if code in ("chosen", "chosen_also_held"):
            return t[code].format(post=self.post(part["post"]), rank=t["choice_word"][part["rank"]])
        if code == "served":
            return t["served"].format(who=self.label(self.candidates.get(part["who"]), part["who"]),
                                      post=self.post(part["post"]))
        if code == "person_not_eligible":
            faults = [t["excluded"].format(why=f["why"]) if f["rule"] == "excluded" else t[f["rule"]]
                      for f in part["faults"]]
            return t["person_not_eligible"].format(faults=t["fault_join"].join(faults))
        if code == "no_posts":
            return t["no_posts"].format(scope=t["scope"][part["scope"]])
        if code == "all_fail":
            return self.all_fail(part)
        if code == "out_of_scope":
            names = t["name_join"].join(self.post(p) for p in part["posts"])
            return t["out_of_scope"].format(posts=names, scope=t["scope"][part["scope"]])
        if code == "outranked":
            if part["posts"] is not None:
                posts = t["posts_named"].format(posts=t["name_join"].join(self.post(p) for p in part["posts"]))
            else:
                posts = t["posts_counted"].format(n=part["n"])
            return t["outranked"].format(posts=posts, slots=part["slots"])
        if code == "outranked_low":
            unit = t["unit_household"] if part["unit"] == "household" else t["unit_person"]
            return t["outranked_low"].format(unit=unit, tier=part["tier"])
        if code == "outranked_same":
            return t["outranked_same"].format(tier=part["tier"])
        if code == "outranked_fixed":
            return t["outranked_fixed"].format(n=part["n"])
        raise ValueError(f"unknown reason code {code!r}")

    def all_fail(self, part: Part) -> str:
        t = self.t
        labour_words = t["labour"]
        age, labour = part["age"], part["labour"]

        def rule(name: str, post: Post) -> str:
            return t["rule"][name].format(min=post.min_age, max=post.max_age, age=age, need=labour_words[post.labour],
                                          has=labour_words[labour])

        shown = []
        for entry in part["posts"]:
            post = self.posts[entry["post"]]
            shown.append(t["post_fault"].format(post=self.post(entry["post"]),
                                                faults=t["rule_join"].join(rule(r, post) for r in entry["faults"])))
        listing = t["list_join"].join(shown) + t["list_end"]
        more = part.get("more")
        if more:
            counts = t["count_join"].join(t["count"][r].format(n=n) for r, n in more["counts"].items())
            listing = listing + ("" if self.lang == "zh" else " ") + t["more"].format(n=more["n"], counts=counts)
        return t["all_fail"].format(n=part["n"], scope=t["scope"][part["scope"]], listing=listing)


def render(parts: Parts, problem: Problem, lang: str = "zh") -> str:
    """The sentences of one explanation in ``lang``, naming posts and people as the problem does."""
    return Renderer(problem, lang)(parts)
