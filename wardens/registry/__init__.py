"""The register: places, households, people and posts, with Excel/CSV import and export."""
from flask import Flask

from .routes import bp


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
