"""The shape of wardens/ that docs/architecture.md describes: no import cycle, no area importing a
later one, no import hidden inside a function. Read from the source (ast), so it runs nothing."""
from __future__ import annotations

import ast
import re
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "wardens"
SKIP = {"migrations"}  # Alembic's scripts are run by Alembic, not imported by the site


def modules() -> dict[str, Path]:
    """Every module of the site by dotted name (a package by its own name)."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(ROOT).with_suffix("")
        if SKIP & set(rel.parts):
            continue
        name = ".".join(rel.parts)
        found[name.removesuffix(".__init__")] = path
    return found


MODULES = modules()


def _package_of(name: str, path: Path) -> str:
    return name if path.name == "__init__.py" else name.rsplit(".", 1)[0]


def imports(name: str) -> list[tuple[str, int, bool]]:
    """(imported module, line, inside a function) for every import of one module within wardens."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    inside = {id(sub) for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
              for sub in ast.walk(node)}
    # Imports for the type checker only (`if TYPE_CHECKING:`) are never run.
    typing_only = {id(sub) for node in ast.walk(tree)
                   if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"
                   for sub in ast.walk(node)}
    found = []
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = _package_of(name, path).split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            # `from . import x` names a module when x is one; otherwise it takes a name from the module.
            targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in MODULES else module for a in node.names]
        for target in targets:
            if target in MODULES or target.split(".")[0] == "wardens":
                found.append((target if target in MODULES else target.rsplit(".", 1)[0], node.lineno,
                              id(node) in inside))
    return found


GRAPH = {name: {t for t, _line, _inner in imports(name) if t in MODULES and t != name} for name in MODULES}


def area_order() -> list[str]:
    """The areas, lowest first, as docs/architecture.md lists them (its ```areas block)."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = re.search(r"```areas\n(.*?)```", text, re.S)
    assert block, "docs/architecture.md has no ```areas block"
    return [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.split("#")[0].strip()]


# Packages of the base, beside the modules directly in wardens/ (docs/architecture.md says why).
BASE_PACKAGES = {"models", "spreadsheets"}


def area(name: str) -> str | None:
    """A module's area (the sub-package it is in), None for the base (wardens/*.py, models, spreadsheets)."""
    parts = name.split(".")
    if len(parts) < 2 or (PACKAGE / parts[1]).is_file() or parts[1] == "__init__" or parts[1] in BASE_PACKAGES:
        return None
    return parts[1] if (PACKAGE / parts[1]).is_dir() else None


def test_the_import_graph_has_no_cycle():
    # Tarjan's strongly connected components: any component of two or more modules is a cycle.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(GRAPH[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in sorted(GRAPH):
        if v not in index:
            visit(v)
    assert cycles == []


def test_every_area_is_placed_in_the_documented_order():
    order = area_order()
    areas = {area(name) for name in MODULES} - {None}
    assert areas <= set(order), f"place these areas in docs/architecture.md: {sorted(areas - set(order))}"


def test_no_area_imports_a_later_one_and_the_base_imports_no_area():
    order = area_order()
    rank = {a: i for i, a in enumerate(order)}
    wrong = []
    for name, targets in GRAPH.items():
        mine = area(name)
        for target in targets:
            theirs = area(target)
            if theirs is None or theirs == mine:
                continue
            if mine is None or rank[theirs] > rank[mine]:
                wrong.append(f"{name} ({mine or 'base'}) imports {target} ({theirs})")
    assert wrong == []


def test_no_import_is_hidden_inside_a_function():
    hidden = [f"{name}:{line} imports {target}" for name in MODULES for target, line, inner in imports(name) if inner]
    assert hidden == []


def test_the_checks_see_what_they_claim(tmp_path):
    # The graph is read, not empty: a known edge and a known area are there.
    assert "wardens.models" in GRAPH["wardens.registry.operations.common"]
    assert area("wardens.reallocation.routes.rounds") == "reallocation"
    assert area("wardens.models.rounds") is None and area("wardens.views") is None
    assert area("wardens.spreadsheets.readers") is None


def _refusal_names() -> set[str]:
    """Refusal and every class in wardens/ that derives from it (by name, read from the source)."""
    bases: dict[str, set[str]] = {}
    for path in MODULES.values():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases.setdefault(node.name, set()).update(
                    b.id if isinstance(b, ast.Name) else b.attr for b in node.bases if isinstance(b, (ast.Name, ast.Attribute)))
    names = {"Refusal"}
    while True:
        more = {c for c, bs in bases.items() if bs & names} - names
        if not more:
            return names
        names |= more


REFUSALS = _refusal_names()
# Every refusal of an area is also a ValueError (wardens/errors.py says why): catching one catches them.
CAUGHT_AS_REFUSAL = REFUSALS | {"ValueError", "Exception", "BaseException"}
# Areas whose route modules are still moving to the boundary (none left).
NOT_YET_AT_THE_BOUNDARY: set[str] = set()


def route_modules() -> list[str]:
    """Every route module: routes.py, routes_*.py or a module of a routes/ package."""
    return sorted(name for name, path in MODULES.items()
                  if path.stem.startswith("routes") or "routes" in path.relative_to(PACKAGE).parts[:-1])


def route_faults(name: str) -> list[str]:
    """Commits and catches of a refusal in one module, as `module:line what`."""
    faults: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(MODULES[name].read_text(encoding="utf-8"))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "commit":
            faults.append((node.lineno, "commits"))
        elif isinstance(node, ast.Call) and getattr(node.func, "id", None) in {"commit_or_flash", "commit_or_show_error"}:
            faults.append((node.lineno, f"commits through {node.func.id}"))
        elif isinstance(node, ast.ExceptHandler):
            caught = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
            named = {c.id if isinstance(c, ast.Name) else c.attr for c in caught if isinstance(c, (ast.Name, ast.Attribute))}
            if node.type is None or named & CAUGHT_AS_REFUSAL:
                faults.append((node.lineno, f"catches {', '.join(sorted(named)) or 'everything'}"))
    return [f"{name}:{line} {what}" for line, what in sorted(faults)]


def test_no_route_module_commits_or_catches_a_refusal():
    # The boundary (Site.dispatch_request) commits once or rolls back and shows the refusal:
    # a route that commits keeps half of a request; one that catches a refusal shows it its own way.
    faults = [f for name in route_modules() if area(name) not in NOT_YET_AT_THE_BOUNDARY for f in route_faults(name)]
    assert faults == []


def test_the_route_check_sees_what_it_claims(tmp_path):
    names = route_modules()
    assert "wardens.attendance.routes" in names and "wardens.registry.routes.imports" in names
    assert "wardens.reallocation.routes.rounds" in names and "wardens.attendance.operations" not in names
    assert {"Refusal", "RegistryError", "ConflictError", "ClosedMonthError", "BadInput"} <= REFUSALS
    bad = tmp_path / "routes.py"
    bad.write_text("def view():\n    try:\n        save()\n    except RegistryError:\n        pass\n"
                   "    db.session.commit()\n    commit_or_flash(lambda: 1, 'ok')\n", encoding="utf-8")
    MODULES["wardens.fake.routes"] = bad
    try:
        assert [f.split(" ", 1)[1] for f in route_faults("wardens.fake.routes")] == [
            "catches RegistryError", "commits", "commits through commit_or_flash"]
    finally:
        del MODULES["wardens.fake.routes"]


# What writes the audit trail: operations call these; a route module never does.
AUDIT_WRITERS = {"record_audit", "record_audits"}


def audit_faults(name: str) -> list[str]:
    """Audit events written in one module, as `module:line what`: the writers imported or called, an AuditEvent made."""
    faults: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(MODULES[name].read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            faults += [(node.lineno, f"imports {a.name}") for a in node.names if a.name in AUDIT_WRITERS]
        elif isinstance(node, ast.Call):
            called = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if called in AUDIT_WRITERS:
                faults.append((node.lineno, f"calls {called}"))
            elif called == "AuditEvent":
                faults.append((node.lineno, "makes an AuditEvent"))
            elif called == "insert" and any(getattr(a, "id", None) == "AuditEvent" for a in node.args):
                faults.append((node.lineno, "inserts AuditEvent rows"))
    return [f"{name}:{line} {what}" for line, what in sorted(faults)]


def test_no_route_module_writes_the_audit_trail():
    # The operation that makes a change writes its event (and flushes), so every way to the change
    # (a form, an import, the command line, the demo) is audited the same; a route that writes one
    # audits only its own way there.
    faults = [f for name in route_modules() for f in audit_faults(name)]
    assert faults == []


def test_the_audit_check_sees_what_it_claims(tmp_path):
    assert audit_faults("wardens.registry.operations.exports") != []  # an operation writes the trail: seen
    bad = tmp_path / "routes.py"
    bad.write_text("from ...audit import AuditAction, record_audit\nfrom ... import audit\n\n"
                   "def view():\n    record_audit(AuditAction.EXPORT_UNMASKED, actor_id=1)\n"
                   "    audit.record_audits([])\n    db.session.add(AuditEvent(action='x'))\n"
                   "    db.session.execute(insert(AuditEvent), [])\n", encoding="utf-8")
    MODULES["wardens.fake.routes"] = bad
    try:
        assert "wardens.fake.routes" in route_modules()
        assert [f.split(" ", 1)[1] for f in audit_faults("wardens.fake.routes")] == [
            "imports record_audit", "calls record_audit", "calls record_audits", "makes an AuditEvent",
            "inserts AuditEvent rows"]
    finally:
        del MODULES["wardens.fake.routes"]
