"""The register's pages, one module per entity, plus exports and imports.

Views read the request, call operations (which flush), commit once and redirect.
Clerks are held to their own township by the list queries and by check_township
on every record (another township's record is a 404).
"""
# Importing a page module adds its views to the blueprint.
from . import activation, exports, households, imports, people, places, posts
from .common import bp

__all__ = ["activation", "bp", "exports", "households", "imports", "people", "places", "posts"]
