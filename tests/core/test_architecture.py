"""The house order, checked: the declared app layers, module sizes and the registry of named effects.

docs/architecture.md explains the order; `.importlinter` declares it. These run in `make test`, so CI
fails when an import goes up the order, a layered module outgrows one sitting, or a service records an
effect that no app handles (or with arguments its handler does not take).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from apps.core.effects import check_effect_call, registered_effects

ROOT = Path(__file__).resolve().parents[2]
APPS = ROOT / "apps"
LAYERED = ("services", "apis", "selectors")
MAX_LINES = 600


def test_the_app_order_and_acyclic_contracts_hold():
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(  # noqa: S603 - our own tool and config
        [str(lint_imports), str(ROOT / ".importlinter"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def _layered_modules() -> list[Path]:
    found = []
    for path in APPS.rglob("*.py"):
        parts = path.relative_to(APPS).parts
        # apps/<app>/services.py, or any module of a package apps/<app>/services/
        if len(parts) >= 2 and (Path(parts[1]).stem in LAYERED or (len(parts) > 2 and parts[1] in LAYERED)):
            found.append(path)
    return sorted(found)


def test_services_apis_and_selectors_modules_stay_under_600_lines():
    modules = _layered_modules()
    assert len(modules) > 30  # the scan found the apps' modules
    too_long = {str(p.relative_to(ROOT)): n for p in modules if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert too_long == {}


def _effect_calls() -> list[tuple[str, str, set[str], int]]:
    """(file, effect name, keyword names, line) of every ``effect("name", k=…)`` call under apps/."""
    calls = []
    for path in APPS.rglob("*.py"):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "effect"):
                continue
            assert node.args and isinstance(node.args[0], ast.Constant), (
                f"{path}:{node.lineno}: name effects with a literal, so they can be checked and found"
            )
            assert all(k.arg is not None for k in node.keywords), f"{path}:{node.lineno}: no **kwargs in effect()"
            calls.append((str(path.relative_to(ROOT)), node.args[0].value, {k.arg for k in node.keywords}, node.lineno))
    return calls


def test_every_recorded_effect_has_a_handler_taking_its_arguments():
    calls = _effect_calls()
    assert calls, "no effect() call found under apps/"
    registry = registered_effects()
    problems = []
    for where, name, keywords, line in calls:
        if name not in registry:
            problems.append(f"{where}:{line}: {name!r} has no handler")
            continue
        try:
            check_effect_call(name, dict.fromkeys(keywords, 0))
        except TypeError as exc:
            problems.append(f"{where}:{line}: {exc}")
    assert problems == []


def test_every_handler_is_recorded_somewhere_and_named_after_its_app():
    recorded = {name for _where, name, _kw, _line in _effect_calls()}
    for name, handler in registered_effects().items():
        app = handler.func.__module__.split(".")[1]
        assert name.split(".")[0] == app, f"{name} is handled in apps.{app}: name it {app}.…"
        assert name in recorded or name == "organizations.alert_failed_effect", f"{name} is never recorded"


@pytest.mark.parametrize("name", ["no.such_effect"])
def test_an_unregistered_effect_is_refused_at_the_call(name):
    from apps.core.effects import effect

    with pytest.raises(LookupError):
        effect(name, x=1)
