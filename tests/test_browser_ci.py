"""A missing browser fails the browser test in CI (`CI` set to anything), with the install
command, and only skips it elsewhere: pytest run on test_browser.py with the browser's path pointing
nowhere."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from conftest import ROOT


@pytest.mark.parametrize("ci,outcome", [("true", "1 error"), ("1", "1 error"), ("", "1 skipped")])
def test_missing_browser_fails_only_in_ci(ci, outcome, tmp_path):
    env = dict(os.environ, CI=ci, NAMNDSOK_CHROMIUM=str(tmp_path / "no-chromium"), PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rfEs", "-p", "no:cacheprovider",
                        "tests/test_browser.py::test_decisions_matter_and_documents_in_the_browser"],
                       capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert outcome in r.stdout, r.stdout[-2000:]
    assert "apt-get install chromium chromium-driver" in r.stdout, r.stdout[-2000:]
    assert (r.returncode != 0) == bool(ci)
