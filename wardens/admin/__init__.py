"""Administration: accounts (create, edit, disable, reset, unlock) and the district settings."""
from flask import Flask

from .routes import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
