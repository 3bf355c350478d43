"""Reasons in plain sentences, Chinese (default) or English, naming the facts.

Each reason is short sentences a warden can read: the priority tier and why,
then what happened and the fact that decided it.  The work per candidate is
bounded by the number of distinct post requirements in scope, not by the
number of posts, and not-eligible listings are cached per (place, age,
labour), so a province-sized run stays linear.
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
_AGE = "\x00age\x00"  # stands for the candidate's age in cached listings


def group_words(group: tuple[str, ...], lang: str) -> str:
    """Describe a priority group: "受灾户且脱贫户" / "flood-affected and registered poor household"."""
    t = _TEXT[lang]
    if not group:
        return t["group_any"]
    ordered = [f for f in FLAGS if f in group]
    words = t["flag_join"].join(t["flag"][f] for f in ordered)
    return words if lang == "zh" else f"{words} household"


def _label(record: Post | Candidate, lang: str) -> str:
    if record.name:
        return f"{record.id}（{record.name}）" if lang == "zh" else f"{record.id} ({record.name})"
    return record.id


def _post(post: Post, lang: str) -> str:
    return _label(post, lang)


class Explainer:
    """Writes the reason for every candidate from the fit index and the placements."""

    def __init__(self, index: FitIndex, placements: dict[str, Placement], lang: str) -> None:
        self.index = index
        self.lang = lang
        self.t = _TEXT[lang]
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
        self._listing: dict[tuple, str] = {}
        self._places: dict[str, tuple[list[Post], dict]] = {}
        self._tier_words: dict[int, str] = {}
        self._outranked_cache: dict[tuple[int | None, int], tuple[tuple, str]] = {}

    def tier_words(self, tier: int | None) -> str:
        if tier is None:
            return ""
        found = self._tier_words.get(tier)
        if found is None:
            group = group_words(self.groups[tier - 1], self.lang)
            found = self._tier_words[tier] = self.t["tier"].format(tier=tier, group=group)
        return found

    def _finish(self, *parts: str) -> str:
        return "".join(parts) if self.lang == "zh" else " ".join(p for p in parts if p)

    # -- placed -------------------------------------------------------------

    def assigned(self, fit: CandidateFit, placement: Placement, rank: int | None) -> str:
        t = self.t
        post = _post(self.index.posts[placement.post], self.lang)
        cand = fit.candidate
        holds = cand.current_post == placement.post
        if placement.basis == "pinned":
            what = t["pinned"].format(post=post)
        elif placement.basis == "protected":
            what = t["protected"].format(post=post)
        elif holds and cand.good_standing and (rank is None or rank > 1):
            what = t["stays"].format(post=post)
        elif rank is not None:
            key = "chosen_also_held" if holds else "chosen"
            what = t[key].format(post=post, rank=t["choice_word"][rank])
        else:
            what = t["unchosen"].format(post=post)
        return self._finish(self.tier_words(fit.tier), what)

    # -- not placed ---------------------------------------------------------

    def household_served(self, fit: CandidateFit, placement: Placement) -> str:
        other = self.index.posts[placement.post]
        who = self.candidates[placement.candidate]
        text = self.t["served"].format(who=_label(who, self.lang), post=_post(other, self.lang))
        return self._finish(self.tier_words(fit.tier), text)

    def not_eligible(self, fit: CandidateFit) -> str:
        t = self.t
        if fit.person_failures:
            faults = []
            for rule in fit.person_failures:
                if rule == "excluded":
                    faults.append(t["excluded"].format(why=fit.candidate.excluded))
                else:
                    faults.append(t[rule])
            return self._finish(self.tier_words(fit.tier), t["person_not_eligible"].format(faults=t["fault_join"].join(faults)))
        return self._finish(self.tier_words(fit.tier), self._post_listing(fit))

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

    def _post_listing(self, fit: CandidateFit) -> str:
        index = self.index
        settings = index.settings
        cand = fit.candidate
        only_chosen = settings.only_chosen_posts
        # The posts in scope depend on the township (township scope) or the own village.
        place = index.villages[fit.village].township if settings.scope == "township" else fit.village
        t = self.t
        scope_words = t["scope"][settings.scope]
        scope_villages = index.scope_villages(fit.village)
        outside = [index.posts[p] for p in cand.choices if index.posts[p].village not in scope_villages]
        text = self._in_scope_listing(fit, place, only_chosen)
        if outside:
            names = t["name_join"].join(_post(p, self.lang) for p in outside)
            extra = t["out_of_scope"].format(posts=names, scope=scope_words)
            text = text + ("" if self.lang == "zh" else " ") + extra
        return text

    def _in_scope_listing(self, fit: CandidateFit, place: str, only_chosen: bool) -> str:
        cand = fit.candidate
        labour = cand.labour
        # The listing depends on the age only through which age ranges hold it,
        # and names the age itself: cache it with a placeholder for the age.
        cache_key = (place, self.index._age_class(fit.age), labour, cand.choices if only_chosen else ())
        cached = self._listing.get(cache_key)
        if cached is not None:
            return cached.replace(_AGE, str(fit.age))
        t = self.t
        scope_words = t["scope"][self.index.settings.scope]
        posts, per_key = self._place_posts(fit, place)
        if not posts:
            text = t["no_posts"].format(scope=scope_words)
            self._listing[cache_key] = text
            return text
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
            shown.append(
                t["post_fault"].format(
                    post=_post(post, self.lang),
                    faults=t["rule_join"].join(self._rule(r, _AGE, labour, post) for r in faults),
                )
            )
        listing = t["list_join"].join(shown) + t["list_end"]
        rest = sum(left.values())
        if rest:
            counts: dict[str, int] = {}
            for key, n in left.items():
                for rule in faults_of_key[key]:
                    counts[rule] = counts.get(rule, 0) + n
            if only_chosen:
                counts["chosen"] = rest
            parts = [t["count"][r].format(n=counts[r]) for r in ("slots", "age", "labour", "chosen") if counts.get(r)]
            more = t["more"].format(n=rest, counts=t["count_join"].join(parts))
            listing = listing + ("" if self.lang == "zh" else " ") + more
        text = t["all_fail"].format(n=len(posts), scope=scope_words, listing=listing)
        self._listing[cache_key] = text
        return text.replace(_AGE, str(fit.age))

    def _rule(self, rule: str, age: str, labour: str, post: Post) -> str:
        template = self.t["rule"][rule]
        labour_words = self.t["labour"]
        return template.format(min=post.min_age, max=post.max_age, age=age, need=labour_words[post.labour], has=labour_words[labour])

    def outranked(self, fit: CandidateFit) -> str:
        if not fit.targets:
            return self._outranked(fit)
        # With targets, the sentence depends only on the tier and the targets,
        # and a target tuple is shared by everyone of a village with the same
        # fit: cache by its identity (kept alive in the entry, so never reused).
        cache_key = (fit.tier, id(fit.targets))
        found = self._outranked_cache.get(cache_key)
        if found is None or found[0] is not fit.targets:
            found = self._outranked_cache[cache_key] = (fit.targets, self._outranked(fit))
        return found[1]

    def _outranked(self, fit: CandidateFit) -> str:
        t = self.t
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
        if count <= NAMED_FIT_POSTS:
            named = t["name_join"].join(_post(index.posts[p], self.lang) for p in sorted(names))
            posts = t["posts_named"].format(posts=named)
        else:
            posts = t["posts_counted"].format(n=count)
        parts = [self.tier_words(fit.tier), t["outranked"].format(posts=posts, slots=slots)]
        if lowest:
            unit = t["unit_household"] if self.per_household else t["unit_person"]
            parts.append(t["outranked_low"].format(unit=unit, tier=lowest))
            if lowest == fit.tier:
                parts.append(t["outranked_same"].format(tier=lowest))
        if fixed:
            parts.append(t["outranked_fixed"].format(n=fixed))
        return self._finish(*parts)

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
