"""Administration: accounts (create, edit, disable, reset, unlock) and the district settings."""
from flask import Flask


def init_app(app: Flask) -> None:
    from .routes import bp

    app.register_blueprint(bp)
