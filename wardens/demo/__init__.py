"""The demo district (裕安区, 六安市): real place names, made-up people, `flask demo ...`."""
from flask import Flask

from .accounts import DEMO_ACCOUNTS, DEMO_URL
from .cli import demo_cli
from .load import DemoError, DemoSummary, demo_loaded, load_demo

__all__ = ["DEMO_ACCOUNTS", "DEMO_URL", "DemoError", "DemoSummary", "demo_loaded", "init_app", "load_demo"]


def init_app(app: Flask) -> None:
    app.cli.add_command(demo_cli)
