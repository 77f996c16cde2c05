"""The layering rules of pyproject.toml ([tool.importlinter]) run inside the suite.

`prorata.core` and every `domain/` package are pure Python: a Django import there fails here.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _contracts() -> list[dict]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    return config["tool"]["importlinter"]["contracts"]


def _lint(cwd: Path, src: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    return subprocess.run(
        [str(LINT_IMPORTS), str(cwd / "pyproject.toml"), "--no-cache"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False,
    )


def test_the_contracts_are_declared() -> None:
    contracts = {c["name"]: c for c in _contracts()}
    core = contracts["core is pure Python: no Django, no other prorata package"]
    assert core["source_modules"] == ["prorata.core"]
    assert {"django", "ninja", "prorata.tenants", "prorata.billing"} <= set(core["forbidden_modules"])
    domain = contracts["domain rules are pure: no Django"]
    assert {"prorata.subscriptions.domain", "prorata.billing.domain"} <= set(domain["source_modules"])
    assert {"django", "ninja"} <= set(domain["forbidden_modules"])


def test_every_domain_package_is_under_the_purity_contract() -> None:
    """A new `<app>/domain/` package is pure too: it must be listed in the contract."""
    packages = {f"prorata.{p.parent.parent.name}.domain" for p in (REPO / "src" / "prorata").glob("*/domain/__init__.py")}
    contract = next(c for c in _contracts() if c["name"] == "domain rules are pure: no Django")
    assert packages, "no domain packages found"
    assert packages <= set(contract["source_modules"]), sorted(packages - set(contract["source_modules"]))


def test_the_contracts_are_kept() -> None:
    result = _lint(REPO, REPO / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {len(_contracts())} kept, 0 broken." in result.stdout


def test_a_django_import_in_core_breaks_the_contract(tmp_path: Path) -> None:
    """The same check on a copy of the tree with one offending module: it must fail."""
    src = tmp_path / "src"
    shutil.copytree(
        REPO / "src" / "prorata", src / "prorata",
        ignore=shutil.ignore_patterns("__pycache__", "locale", "templates", "static", "*.mo", "*.po"),
    )
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    (src / "prorata" / "core" / "leaky.py").write_text("from django.utils import timezone\n\nNOW = timezone.now\n")
    result = _lint(tmp_path, src)
    assert result.returncode != 0
    assert "core is pure Python: no Django, no other prorata package BROKEN" in result.stdout
    assert "prorata.core.leaky -> django (l.1)" in result.stdout


def test_billing_importing_subscriptions_breaks_the_contract(tmp_path: Path) -> None:
    """Billing may not call back into the subscriptions package, not even lazily inside a function."""
    src = tmp_path / "src"
    shutil.copytree(
        REPO / "src" / "prorata", src / "prorata",
        ignore=shutil.ignore_patterns("__pycache__", "locale", "templates", "static", "*.mo", "*.po"),
    )
    shutil.copy(REPO / "pyproject.toml", tmp_path / "pyproject.toml")
    (src / "prorata" / "billing" / "callback.py").write_text(
        "def renew():\n    from prorata.subscriptions.services import subscription_purchase\n\n    return subscription_purchase\n"
    )
    (src / "prorata" / "billing" / "models.py").write_text(
        (src / "prorata" / "billing" / "models.py").read_text() + "\n\ndef _leak():\n    from prorata.billing.services import charges\n\n    return charges\n"
    )
    result = _lint(tmp_path, src)
    assert result.returncode != 0
    assert "billing never imports the subscriptions package" in result.stdout and "BROKEN" in result.stdout
    assert "prorata.billing.callback -> prorata.subscriptions.services" in result.stdout
    # A model importing a service breaks the layers.
    assert "prorata.billing.models is not allowed to import prorata.billing.services" in result.stdout
