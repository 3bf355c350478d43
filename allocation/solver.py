"""The matching: strict priority tiers, then preference, then the published tie-break.

Why a flow, and why it is exact (the README gives the full argument):

* A *unit* is what priority counts: a household when ``one_post_per_household``
  is on, else a candidate.  Units flow ``source -> unit -> (hub ->) post ->
  sink`` with capacity 1 per unit and ``slots`` per post.  The sets of units
  that can be placed together are the independent sets of a transversal
  matroid (units matched to post slots).
* On a matroid, a set is lexicographically best by tier (most tier-1 units,
  then most tier-2 units, ...) exactly when it maximises ``sum w(tier)`` for
  *any* strictly decreasing positive weights ``w``: by Abel summation
  ``sum w = sum_k (w_k - w_{k+1}) * |placed units of tier <= k|`` and the
  greedy basis attains the rank of every prefix at once.  So ``w`` can be the
  small ordinal ``number of tiers present - position``: no big-M at all.
* Preference (0..3 per placement) and closeness (0 own village, 1 elsewhere)
  are then folded in with exact integer scales that provably cannot outvote
  the level above, and the scales are checked against int64 before use; when
  a component is too large for that, it is solved in two stages instead (tier
  counts first, then preference with the tier counts held fixed as supplies).

Components that share no village (no unit can reach the other's posts) are
solved separately; that is exact because no arc joins them.
"""

from __future__ import annotations

import array
import sys
from dataclasses import dataclass, field

from ortools.graph.python import min_cost_flow

from . import rules
from .fit import CandidateFit, FitIndex
from .model import Post, Problem

#: Largest |cost| * (nodes + 1) allowed in one combined solve.  OR-Tools scales
#: costs by (nodes + 1) internally; staying two bits under int64 leaves room
#: for its sums.  Tests lower it to exercise the two-stage path.
COMBINED_COST_LIMIT = 2**61


class SolverError(RuntimeError):
    """The flow solver did not prove an optimum (a bug, never an input fault)."""


@dataclass(slots=True)
class Placement:
    candidate: str
    post: str
    tier: int
    basis: str  # "pinned" | "protected" | "matched"
    score: int
    closeness: int


@dataclass(slots=True)
class Unit:
    id: str
    village: str
    tier: int
    members: list[CandidateFit]
    targets: tuple[tuple[tuple, int], ...] = ()
    direct: dict[str, tuple[int, int, str]] = field(default_factory=dict)


@dataclass(slots=True)
class Outcome:
    index: FitIndex
    fits: dict[str, CandidateFit]
    placements: dict[str, Placement]
    components: int
    combined_solves: int
    staged_solves: int


def allocate(problem: Problem) -> Outcome:
    """Place candidates on posts by the rules; return every placement and each candidate's fit."""
    index = FitIndex(problem)
    settings = problem.settings
    fits = {c.id: index.candidate_fit(c) for c in problem.candidates}
    remaining = {p.id: p.slots for p in problem.posts}
    placements: dict[str, Placement] = {}
    served: set[str] = set()

    def place(fit: CandidateFit, post_id: str, basis: str) -> None:
        cand = fit.candidate
        post = index.posts[post_id]
        placements[cand.id] = Placement(
            cand.id,
            post_id,
            fit.tier,
            basis,
            rules.preference_score(cand, post_id),
            rules.closeness(fit.village, post.village),
        )
        remaining[post_id] -= 1
        served.add(cand.household)

    # Pins are staff decisions, already checked by validate.pins().
    for cand in problem.candidates:
        if cand.pinned_post is not None:
            place(fits[cand.id], cand.pinned_post, "pinned")
    if settings.protect_incumbents:
        for fit in _protected_incumbents(index, fits, placements):
            post_id = fit.candidate.current_post
            if remaining[post_id] <= 0:
                continue
            if settings.one_post_per_household and fit.candidate.household in served:
                continue
            place(fit, post_id, "protected")

    units = _units(problem, fits, placements, served)
    comps = _components(index, units, remaining)
    arcs = sum(len(u.targets) + len(u.direct) for u in units)
    bulk = arcs >= BULK_ARCS or "numpy" in sys.modules
    combined = staged = 0
    for comp_units, comp_posts in comps:
        result, was_combined = _solve_component(index, comp_units, comp_posts, remaining, bulk)
        if was_combined:
            combined += 1
        else:
            staged += 1
        for unit, member, post_id in result:
            place(member, post_id, "matched")
    return Outcome(index, fits, placements, len(comps), combined, staged)


def _protected_incumbents(
    index: FitIndex, fits: dict[str, CandidateFit], placements: dict[str, Placement]
) -> list[CandidateFit]:
    """Good-standing incumbents who still fit their post, best tier first, then by id."""
    keep = []
    for cand_id, fit in fits.items():
        cand = fit.candidate
        if cand_id in placements or cand.current_post is None or not cand.good_standing:
            continue
        if index.fits_post(fit, index.posts[cand.current_post]):
            keep.append(fit)
    keep.sort(key=lambda f: (f.tier, f.candidate.id))
    return keep


def _units(
    problem: Problem, fits: dict[str, CandidateFit], placements: dict[str, Placement], served: set[str]
) -> list[Unit]:
    """Build the units still to place, sorted by id, merging a household's members when it gets one post."""
    per_household = problem.settings.one_post_per_household
    units: list[Unit] = []
    # ``fits`` is in candidate (id) order, so its values are walked directly.
    if per_household:
        members: dict[str, list[CandidateFit]] = {}
        for fit in fits.values():
            household = fit.candidate.household
            if (fit.targets or fit.direct) and household not in served:
                found = members.get(household)
                if found is None:
                    members[household] = [fit]
                else:
                    found.append(fit)
        for household_id in sorted(members):
            units.append(_unit(household_id, members[household_id]))
    else:
        for fit in fits.values():
            if (fit.targets or fit.direct) and fit.candidate.id not in placements:
                units.append(_unit(fit.candidate.id, [fit]))
    return units


def _unit(unit_id: str, members: list[CandidateFit]) -> Unit:
    first = members[0]
    if len(members) == 1:
        # Most households send one applicant: share the fit's targets and arcs as they are.
        return Unit(unit_id, first.village, first.tier, members, first.targets, first.direct)
    targets: dict[tuple, int] = {}
    direct = {}
    for fit in members:
        for hub, distance in fit.targets:
            targets.setdefault(hub, distance)
        for post_id, arc in fit.direct.items():
            best = direct.get(post_id)
            # Same household, same village: only the score differs; the first
            # (lowest id) member with the highest score represents the household.
            if best is None or arc[0] > best[0]:
                direct[post_id] = arc
    return Unit(unit_id, first.village, first.tier, members, tuple(targets.items()), direct)


def _components(index: FitIndex, units: list[Unit], remaining: dict[str, int]) -> list[tuple[list[Unit], list[str]]]:
    """Split into groups of villages that no unit links; return (units, posts) per group, in id order."""
    parent: dict[str, str] = {}

    def find(v: str) -> str:
        root = v
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(v, v) != root:
            parent[v], v = root, parent[v]
        return root

    scope = index.settings.scope
    if scope != "neighbouring":
        # Nothing reaches outside the own township (village: the own village),
        # so those are independent components as they stand.
        if scope == "township":
            villages = index.villages
            parent.update((v, "T" + villages[v].township) for v in villages)
        else:
            parent.update((v, "V" + v) for v in index.villages)
        return _group(index, units, remaining, find)
    # Collect the distinct village-to-village links first: thousands of units
    # share a handful of target lists, so the union-find sees each link once.
    links: set[tuple[str, str]] = set()
    seen: set[tuple] = set()
    hub_village: dict[tuple, str] = {}
    for unit in units:
        # target tuples are shared between units, so their identity is a cheap key
        if unit.targets and (unit.village, id(unit.targets)) not in seen:
            seen.add((unit.village, id(unit.targets)))
            for hub, _ in unit.targets:
                village = hub_village.get(hub)
                if village is None:
                    groups = index.hub_groups(hub)
                    village = hub_village[hub] = groups[0].village
                    links.update((village, g.village) for g in groups[1:])
                links.add((unit.village, village))
        for post_id in unit.direct:
            links.add((unit.village, index.posts[post_id].village))
    for a, b in sorted(links):
        ra, rb = find(a), find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            parent[rb] = ra
    return _group(index, units, remaining, find)


def _group(index: FitIndex, units: list[Unit], remaining: dict[str, int], find) -> list[tuple[list[Unit], list[str]]]:
    by_root: dict[str, tuple[list[Unit], list[str]]] = {}
    for unit in units:
        by_root.setdefault(find(unit.village), ([], []))[0].append(unit)
    for post_id in sorted(remaining):
        if remaining[post_id] > 0:
            root = find(index.posts[post_id].village)
            if root in by_root:
                by_root[root][1].append(post_id)
    return [by_root[root] for root in sorted(by_root) if by_root[root][1]]


def _solve_component(
    index: FitIndex, units: list[Unit], post_ids: list[str], remaining: dict[str, int], bulk: bool
) -> tuple[list[tuple[Unit, CandidateFit, str]], bool]:
    """Solve one component exactly; return (unit, member placed, post) placements and whether one solve sufficed."""
    slots = sum(remaining[p] for p in post_ids)
    most = min(len(units), slots)  # no more than this many units can be placed
    tiers = sorted({u.tier for u in units})
    weight = {t: len(tiers) - i for i, t in enumerate(tiers)}
    # Levels below tier, as exact integers: closeness sums to at most `most`,
    # so one preference point (scale k2) outweighs any closeness difference;
    # preference sums to at most 3*most, so one tier weight point (scale k1)
    # outweighs any preference-and-closeness difference.
    k2 = most + 1
    k1 = 3 * most * k2 + most + 1

    graph = _Graph(index, units, remaining, k2)
    graph.bulk = bulk
    max_cost = max(weight.values()) * k1
    combined = max_cost * (graph.nodes + 1) < COMBINED_COST_LIMIT and max_cost * (most + 1) < COMBINED_COST_LIMIT

    n_units = len(units)
    source_arcs = range(n_units)
    if combined:
        costs = array.array("q", (-weight[u.tier] * k1 for u in units))
        costs.extend(graph.costs[n_units:])
        flow = _run(graph, graph.tails, costs, ([0, 1], [n_units, -n_units]), max_flow=True)
        placed_weight = sum(weight[units[i].tier] for i in source_arcs if flow[i])
    else:
        costs = array.array("q", (-weight[u.tier] for u in units))
        costs.extend(array.array("q", bytes(8 * (len(graph.costs) - n_units))))
        stage_a = _run(graph, graph.tails, costs, ([0, 1], [n_units, -n_units]), max_flow=True)
        counts = {t: 0 for t in tiers}
        for i in source_arcs:
            if stage_a[i]:
                counts[units[i].tier] += 1
        tier_node = {t: graph.nodes + i for i, t in enumerate(tiers)}
        tails = array.array("i", (tier_node[u.tier] for u in units))
        tails.extend(graph.tails[n_units:])
        costs = array.array("q", bytes(8 * n_units))
        costs.extend(graph.costs[n_units:])
        placed = sum(counts.values())
        supplies = ([tier_node[t] for t in tiers] + [1], [counts[t] for t in tiers] + [-placed])
        flow = _run(graph, tails, costs, supplies, max_flow=False)
        placed_weight = 0

    result = graph.decode(flow)
    # The optimum the solver proved must be exactly what the decoded placements
    # score; a mismatch would mean the decoding broke a tie it had no right to.
    expected = -placed_weight * k1 if combined else 0
    posts = index.posts
    preference_score, closeness = rules.preference_score, rules.closeness
    for unit, member, post_id in result:
        expected += -preference_score(member.candidate, post_id) * k2 + closeness(unit.village, posts[post_id].village)
    if expected != graph.last_cost:
        raise SolverError(f"decoded cost {expected} differs from the proven optimum {graph.last_cost}")
    return result, combined


#: The largest capacity handed to OR-Tools (its capacities are int64).  A post
#: may declare any number of slots, but no arc can ever carry more units than
#: exist, so capping far above any unit count changes no flow and no result.
MAX_CAPACITY = 2**31 - 1

#: Below this many arcs in the whole problem, arcs go in one call each: the
#: bulk calls take numpy arrays, and importing numpy costs more than adding a
#: county's arcs one by one.  Either way the graph, and so the result, is the same.
BULK_ARCS = 200_000


def _run(graph: _Graph, tails: array.array, costs: array.array, supplies: tuple, *, max_flow: bool) -> list[int]:
    solver = min_cost_flow.SimpleMinCostFlow()
    bulk = graph.bulk
    if bulk:
        solver.add_arcs_with_capacity_and_unit_cost(tails, graph.heads, graph.caps, costs)
    else:
        add = solver.add_arc_with_capacity_and_unit_cost
        for arc in zip(tails, graph.heads, graph.caps, costs):
            add(*arc)
    for node, supply in zip(*supplies):
        solver.set_node_supply(node, supply)
    status = solver.solve_max_flow_with_min_cost() if max_flow else solver.solve()
    if status != min_cost_flow.SimpleMinCostFlow.OPTIMAL:
        raise SolverError(f"min-cost flow ended with status {status.name}")
    graph.last_cost = solver.optimal_cost()
    if bulk:
        return solver.flows(array.array("i", range(solver.num_arcs()))).tolist()
    flow = solver.flow
    return [flow(a) for a in range(solver.num_arcs())]


class _Graph:
    """One component's flow network, built in a fixed order so the solve is reproducible.

    Nodes: 0 source, 1 sink, then units, then profiles, hubs and posts in order
    of first use.  A *profile* is one list of targets (hub, closeness) shared
    by every unit of one village with the same fit, so a unit needs one arc to
    its profile instead of one per hub.  Arcs: source->unit (one per unit, in
    unit order, first), unit->post (direct, scored) and unit->profile arcs,
    then profile->hub, hub->hub and hub->post arcs, then post->sink arcs.

    The arcs are collected in flat lists (one per column) and handed to
    OR-Tools as whole arrays: a province has over a million arcs, and one
    Python call or tuple per arc cost more than the flow itself.
    """

    def __init__(self, index: FitIndex, units: list[Unit], remaining: dict[str, int], k2: int) -> None:
        self.index = index
        self.units = units
        self.last_cost = 0
        self.bulk = False
        n = len(units)
        tails = [0] * n
        heads = list(range(2, 2 + n))
        caps = [1] * n
        costs = [0] * n
        nodes = 2 + n
        # The loops below run over a million times on a province: appends are bound locally.
        add_tail, add_head, add_cap, add_cost = tails.append, heads.append, caps.append, costs.append
        # Posts, profiles and hubs get the next node number on first use; one
        # dict per kind, the numbering shared (the same order as one dict).
        post_node: dict[str, int] = {}
        profile_node: dict[tuple, int] = {}
        profile_by_object: dict[tuple[str, int], int] = {}
        hub_node: dict[tuple, int] = {}
        profiles: list[tuple[int, tuple]] = []
        # Unit arcs that can carry a placement: (arc, unit position, post id or
        # None for a profile, target node, candidate id).
        unit_arcs: list[tuple[int, int, str | None, int, str | None]] = []
        record = unit_arcs.append
        a = n
        for i, unit in enumerate(units):
            tail = 2 + i
            direct = unit.direct
            if direct:
                for post_id, (score, distance, cand_id) in direct.items():
                    if remaining[post_id] > 0:
                        head = post_node.get(post_id)
                        if head is None:
                            head = post_node[post_id] = nodes
                            nodes += 1
                        add_tail(tail)
                        add_head(head)
                        add_cap(1)
                        add_cost(-score * k2 + distance)
                        record((a, i, post_id, head, cand_id))
                        a += 1
            targets = unit.targets
            if targets:
                # Target tuples are shared by every unit of one village with the
                # same fit: their identity finds the profile without hashing them.
                by_object = (unit.village, id(targets))
                head = profile_by_object.get(by_object)
                if head is None:
                    key = (unit.village, targets)
                    head = profile_node.get(key)
                    if head is None:
                        head = profile_node[key] = nodes
                        nodes += 1
                        profiles.append((head, targets))
                    profile_by_object[by_object] = head
                add_tail(tail)
                add_head(head)
                add_cap(1)
                add_cost(0)
                record((a, i, None, head, None))
                a += 1
        # Profiles feed hubs at their closeness cost; township hubs feed the
        # village hubs of their key; village hubs feed posts.
        self.profile_arcs: list[tuple[int, int, int]] = []
        add_profile_arc = self.profile_arcs.append
        hubs: list[tuple] = []
        for node, targets in profiles:
            for hub, distance in targets:
                head = hub_node.get(hub)
                if head is None:
                    head = hub_node[hub] = nodes
                    nodes += 1
                    hubs.append(hub)
                add_tail(node)
                add_head(head)
                add_cap(n)
                add_cost(distance)
                add_profile_arc((a, node, head))
                a += 1
        self.hub_arcs: list[tuple[int, int, int]] = []
        village_hubs = [h for h in hubs if h[0] == "V"]
        seen_village_hubs = set(village_hubs)
        hub_groups = index.hub_groups
        for hub in hubs:
            if hub[0] != "T":
                continue
            tail = hub_node[hub]
            for group in hub_groups(hub):
                cap = 0
                for post in group.posts:
                    cap += remaining[post.id]
                if cap <= 0:
                    continue
                cap = min(cap, MAX_CAPACITY)
                vhub = ("V", group.village, group.key)
                if vhub not in seen_village_hubs:
                    seen_village_hubs.add(vhub)
                    village_hubs.append(vhub)
                head = hub_node.get(vhub)
                if head is None:
                    head = hub_node[vhub] = nodes
                    nodes += 1
                add_tail(tail)
                add_head(head)
                add_cap(cap)
                add_cost(0)
                self.hub_arcs.append((a, tail, head))
                a += 1
        # (arc, village hub node, post) for every hub->post arc.
        self.post_arcs: list[tuple[int, int, Post]] = []
        for vhub in village_hubs:
            tail = hub_node.get(vhub)
            if tail is None:
                tail = hub_node[vhub] = nodes
                nodes += 1
            for post in hub_groups(vhub)[0].posts:
                left = remaining[post.id]
                if left > 0:
                    head = post_node.get(post.id)
                    if head is None:
                        head = post_node[post.id] = nodes
                        nodes += 1
                    add_tail(tail)
                    add_head(head)
                    add_cap(min(left, MAX_CAPACITY))
                    add_cost(0)
                    self.post_arcs.append((a, tail, post))
                    a += 1
        for post_id, node in post_node.items():
            add_tail(node)
            add_head(1)
            add_cap(min(remaining[post_id], MAX_CAPACITY))
            add_cost(0)
        self.unit_arcs = unit_arcs
        self.nodes = nodes
        self.tails = array.array("i", tails)
        self.heads = array.array("i", heads)
        self.caps = array.array("q", caps)
        self.costs = array.array("q", costs)

    def decode(self, flow: list[int]) -> list[tuple[Unit, CandidateFit, str]]:
        """Turn arc flows into (unit, member placed, post) placements.

        Units entering a profile or hub are handed on along its outgoing flow
        in unit order, and reach posts in arc (id) order.  Any such hand-out is
        as good as any other: a unit sent along a dearer path to a post it
        could reach more cheaply (directly, or through its own village's hub)
        would contradict the optimum, and ``_solve_component`` checks that the
        decoded total equals the proven optimum.
        """
        index = self.index
        units = self.units
        out: list[tuple[Unit, CandidateFit, str]] = []
        entering: dict[int, list[int]] = {}
        for a, i, post_id, node, cand_id in self.unit_arcs:
            if flow[a]:
                if post_id is not None:
                    unit = units[i]
                    out.append((unit, _member(unit, cand_id), post_id))
                else:
                    queue = entering.get(node)
                    if queue is None:
                        entering[node] = [i]
                    else:
                        queue.append(i)
        for arcs in (self.profile_arcs, self.hub_arcs):
            for a, source, target in arcs:
                n = flow[a]
                if n:
                    queue = entering[source]
                    entering.setdefault(target, []).extend(queue[:n])
                    del queue[:n]
        sorted_hubs: set[int] = set()
        for a, vhub, post in self.post_arcs:
            n = flow[a]
            if n:
                queue = entering[vhub]
                if vhub not in sorted_hubs:
                    sorted_hubs.add(vhub)
                    queue.sort()
                for i in queue[:n]:
                    unit = units[i]
                    members = unit.members
                    # A unit of one reached the post through its own fit; in a
                    # household, the first member (by id) who fits takes it.
                    member = members[0] if len(members) == 1 else next(m for m in members if index.fits_post(m, post))
                    out.append((unit, member, post.id))
                del queue[:n]
        return out


def _member(unit: Unit, cand_id: str) -> CandidateFit:
    for member in unit.members:
        if member.candidate.id == cand_id:
            return member
    raise SolverError(f"candidate {cand_id!r} is not a member of unit {unit.id!r}")
