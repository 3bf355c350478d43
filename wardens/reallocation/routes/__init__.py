"""The office's pages for the yearly round, one module per task: opening and following a round,
its applications, the matcher's runs, public notice and approval, dismissal review and mid-year fills.

Views read the request, call the operations (which flush and raise a Refusal when a rule says
no) and redirect or render: the request's boundary (wardens.views) commits or rolls back, and
shows a refusal by the submitted form's field.
"""
# Importing a page module adds its views to the blueprint.
from . import applications, dismissals, notice, rounds, runs
from .common import bp

__all__ = ["applications", "bp", "dismissals", "notice", "rounds", "runs"]
