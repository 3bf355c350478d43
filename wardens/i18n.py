"""Translation catalogs: one per area, so each area's strings live beside its code.

Source strings are English; the Simplified Chinese catalog (locale ``zh``) is the
default language of the site. ``flask i18n update`` adds new strings to an area's
catalog, ``flask i18n compile`` builds the .mo files, ``flask i18n check`` (and a
test) fails when any string lacks a translation or a .mo is stale.
"""
from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import click
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_file
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from flask import Flask
from flask.cli import AppGroup

ROOT = Path(__file__).resolve().parent.parent
LOCALE = "zh"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None, "lazy_ngettext": (1, 2)}


@dataclass(frozen=True)
class Area:
    name: str
    python_dirs: tuple[str, ...]
    template_dirs: tuple[str, ...]
    catalog_dir: str

    @property
    def po_path(self) -> Path:
        return ROOT / self.catalog_dir / LOCALE / "LC_MESSAGES" / "messages.po"

    @property
    def mo_path(self) -> Path:
        return self.po_path.with_suffix(".mo")


AREAS = (
    Area("core", ("wardens", "wardens/models", "wardens/auth", "wardens/core", "wardens/demo", "wardens/spreadsheets"),
         ("templates", "templates/macros", "templates/auth", "templates/core", "templates/errors"),
         "wardens/translations"),
    Area("admin", ("wardens/admin",), ("templates/admin",), "wardens/admin/translations"),
    Area("registry", ("wardens/registry", "wardens/registry/operations", "wardens/registry/routes"),
         ("templates/registry",), "wardens/registry/translations"),
    Area("attendance", ("wardens/attendance",), ("templates/attendance",), "wardens/attendance/translations"),
    Area("reallocation", ("wardens/reallocation", "wardens/reallocation/routes"), ("templates/reallocation",),
         "wardens/reallocation/translations"),
    Area("portal", ("wardens/portal",), ("templates/portal",), "wardens/portal/translations"),
    Area("audit", ("wardens/audit",), ("templates/audit",), "wardens/audit/translations"),
    Area("patrol", ("wardens/patrol",), ("templates/patrol",), "wardens/patrol/translations"),
)


def _files(area: Area) -> list[tuple[Path, str]]:
    out: list[tuple[Path, str]] = []
    for d in area.python_dirs:
        out += [(p, "python") for p in sorted((ROOT / d).glob("*.py"))]
    for d in area.template_dirs:
        out += [(p, "jinja2") for p in sorted((ROOT / d).glob("*.html"))]
        out += [(p, "jinja2") for p in sorted((ROOT / d).glob("*.txt"))]
    return out


def extract(area: Area) -> dict[str | tuple[str, str], list[tuple[str, int]]]:
    """Every translatable string in an area's code and templates, with where it stands."""
    found: dict[str | tuple[str, str], list[tuple[str, int]]] = {}
    for path, method in _files(area):
        options = {"extensions": "jinja2.ext.do"} if method == "jinja2" else {}
        method_ref = "jinja2.ext:babel_extract" if method == "jinja2" else "python"
        for lineno, message, _comments, _context in extract_from_file(
            method_ref, str(path), keywords=KEYWORDS, options=options
        ):
            found.setdefault(message, []).append((str(path.relative_to(ROOT)), lineno))
    return found


def _load(area: Area) -> Catalog:
    if area.po_path.exists():
        with area.po_path.open("rb") as fh:
            return read_po(fh, locale=LOCALE)
    return Catalog(locale=LOCALE, project="wardens")


def update(area: Area) -> int:
    """Add an area's new strings to its catalog and drop strings no longer used."""
    catalog = _load(area)
    found = extract(area)
    wanted: set[str] = set()
    added = 0
    for message, locations in found.items():
        msgid = message if isinstance(message, str) else tuple(message)
        key = msgid if isinstance(msgid, str) else msgid[0]
        wanted.add(key)
        existing = catalog.get(msgid)
        if existing is None:
            catalog.add(msgid, string="" if isinstance(msgid, str) else ("",), locations=locations)
            added += 1
        else:
            existing.locations = locations
    for message in list(catalog):
        if message.id and (message.id if isinstance(message.id, str) else message.id[0]) not in wanted:
            catalog.delete(message.id)
    area.po_path.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    # Files without line numbers: a line moving in the code does not rewrite the catalog, so
    # engineers working in parallel on one area do not collide in its .po.
    write_po(buf, catalog, width=100, sort_output=True, omit_header=False, include_lineno=False)
    area.po_path.write_bytes(buf.getvalue())
    return added


def compile_area(area: Area) -> None:
    """Build an area's .mo from its .po when the .po is newer.

    Written to a temporary file and renamed into place, so a running site (or a
    test run in another process) never reads a half-written catalog.
    """
    if not area.po_path.exists():
        return
    if area.mo_path.exists() and area.mo_path.stat().st_mtime >= area.po_path.stat().st_mtime:
        return
    catalog = _load(area)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    tmp = area.mo_path.with_name(f".{area.mo_path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(buf.getvalue())
    os.replace(tmp, area.mo_path)


def check(area: Area) -> list[str]:
    """Problems with an area's catalog: strings missing, untranslated, or a stale .mo."""
    found = extract(area)
    if not found:
        return []
    if not area.po_path.exists():
        return [f"{area.name}: no catalog at {area.po_path.relative_to(ROOT)}"]
    catalog = _load(area)
    problems = []
    for message, locations in sorted(found.items(), key=lambda kv: str(kv[0])):
        entry = catalog.get(message if isinstance(message, str) else tuple(message))
        where = "%s:%d" % locations[0]
        if entry is None:
            problems.append(f"{area.name}: missing from catalog: {message!r} ({where})")
        elif not entry.string or (not isinstance(entry.string, str) and not all(entry.string)):
            problems.append(f"{area.name}: no translation: {message!r} ({where})")
        elif entry.fuzzy:
            problems.append(f"{area.name}: fuzzy translation: {message!r} ({where})")
    if not area.mo_path.exists() or area.mo_path.stat().st_mtime < area.po_path.stat().st_mtime:
        problems.append(f"{area.name}: compiled catalog is missing or older than the .po (run make translations)")
    return problems


i18n_cli = AppGroup("i18n", help="Manage translation catalogs.")


def _areas(name: str | None) -> tuple[Area, ...]:
    return tuple(a for a in AREAS if name in (None, a.name))


@i18n_cli.command("update")
@click.argument("area", required=False)
def update_command(area: str | None) -> None:
    """Add new strings to the catalogs (one area, or all)."""
    for a in _areas(area):
        click.echo(f"{a.name}: {update(a)} new")


@i18n_cli.command("compile")
def compile_command() -> None:
    """Compile every catalog to .mo."""
    for a in AREAS:
        compile_area(a)


@i18n_cli.command("check")
def check_command() -> None:
    """Fail when any string lacks a translation or a compiled catalog is stale."""
    problems = [p for a in AREAS for p in check(a)]
    for p in problems:
        click.echo(p)
    if problems:
        raise SystemExit(1)
    click.echo("catalogs complete")


def init_app(app: Flask) -> None:
    app.cli.add_command(i18n_cli)
