from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _mlflow_environment(monkeypatch):
    """No tracking URI or file-store permission from the caller's environment: assay's own
    settings are what the tests see (the readers in helpers.py allow the file store)."""
    for key in ("MLFLOW_TRACKING_URI", "MLFLOW_ALLOW_FILE_STORE", "MLFLOW_EXPERIMENT_NAME",
                "MLFLOW_HTTP_REQUEST_MAX_RETRIES"):
        monkeypatch.delenv(key, raising=False)
