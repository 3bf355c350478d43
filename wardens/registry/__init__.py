"""The register: places, households, people and posts, with Excel/CSV import and export."""
from flask import Flask
from sqlalchemy import event

from ..models import Person

_listening = False


def init_app(app: Flask) -> None:
    global _listening
    from .operations.people import fill_name_initials
    from .routes import bp

    app.register_blueprint(bp)
    if not _listening:
        # Search by pinyin initials must find people whichever code path made them
        # (the demo loader, the round's new applicants), not only the register's forms.
        event.listen(Person, "before_insert", fill_name_initials)
        event.listen(Person, "before_update", fill_name_initials)
        _listening = True
