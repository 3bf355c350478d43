"""Register tests keep uploads in the test's own folder, never in the shared instance folder."""
from __future__ import annotations

from typing import Any

import pytest


@pytest.fixture(autouse=True)
def import_folder(app: Any, tmp_path: Any) -> Any:
    folder = tmp_path / "imports"
    app.config["IMPORT_FOLDER"] = str(folder)
    return folder
