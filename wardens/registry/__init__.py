"""The register: places, households, people and posts, with Excel/CSV import and export."""
from flask import Flask


def init_app(app: Flask) -> None:
    from .routes import bp

    app.register_blueprint(bp)
