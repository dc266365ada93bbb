"""The UI's unit tests (web/tests/unit, Vitest): layout, formatting, routes and
the API client's handling of answers. Run here so ctest reports them."""
import os
import shutil
import subprocess

import pytest

from conftest import ROOT

WEB = ROOT / "web"


def test_ui_unit_tests():
    vitest = WEB / "node_modules" / ".bin" / "vitest"
    if not shutil.which("node") or not vitest.exists():
        reason = "node or web/node_modules is missing: scripts/build-web installs the UI's packages"
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    result = subprocess.run([str(vitest), "run", "--reporter=dot"], cwd=WEB, capture_output=True, text=True,
                            timeout=300, env={**os.environ, "CI": "true", "NO_COLOR": "1"})
    assert result.returncode == 0, f"vitest failed\n{result.stdout}\n{result.stderr}"


def test_ui_typechecks():
    tsc = WEB / "node_modules" / ".bin" / "tsc"
    if not shutil.which("node") or not tsc.exists():
        pytest.skip("node or web/node_modules is missing")
    result = subprocess.run([str(tsc), "--noEmit", "-p", "."], cwd=WEB, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"tsc found errors\n{result.stdout}\n{result.stderr}"
