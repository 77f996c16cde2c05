"""Every calendar walk runs twice: through the bulk renewal path and through the per-row path."""

import pytest


@pytest.fixture(autouse=True, params=["bulk", "per_row"])
def billing_path(request, monkeypatch):
    if request.param == "per_row":
        from prorata.billing import bulk

        monkeypatch.setattr(bulk, "MIN_BULK", 10**9)
    return request.param
