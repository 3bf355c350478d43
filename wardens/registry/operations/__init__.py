"""The register's rules: create, change and deactivate places, households, people and posts.

One module per entity group (places, households with their flags, people, posts),
exports (a list's table, audited when unmasked), and the shared refusal, field rules and
audit helpers in common. Every function checks
its rule, changes objects, flushes and writes one audit event; none commits and none
reads the request. Forms and importers call these same functions, so a rule lives in
one place whichever way the data arrives.

Code in this package imports from the entity's module; the names below are the ones
other areas (the round's new applicants, the benchmarks) import from here.
"""
from .common import RegistryError
from .households import create_household
from .people import create_person, name_initials

__all__ = ["RegistryError", "create_household", "create_person", "name_initials"]
