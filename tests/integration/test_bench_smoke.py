"""`bench/billing_run.py` keeps working: a tiny run on the suite's database engine says OK."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "billing_run.py"


def test_the_billing_benchmark_runs_and_its_second_pass_creates_nothing() -> None:
    run = subprocess.run(
        [sys.executable, str(BENCH), "--n", "300", "--tenants", "12", "--batch-size", "100", "--workers", "2"],
        capture_output=True, text=True, timeout=300, env={**os.environ}, check=False,
    )
    assert run.returncode == 0, (run.stdout, run.stderr)
    lines = run.stdout.splitlines()
    assert lines[0].startswith("reproduce with: ") and "--n 300 --batch-size 100 --workers 2 --tenants 12" in lines[0]
    assert "pass (2 worker processes): 300 renewals" in run.stdout
    assert "second pass: 0 subscriptions processed" in run.stdout
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        assert "PostgreSQL's own CPU for the floor's rows: " in run.stdout
    assert lines[-1] == "OK"
