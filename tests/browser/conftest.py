"""Fixtures for the real-browser tests: one JupyterLab and one Chromium per session.

Without Chromium or Playwright the browser tests are skipped with a message
saying what to install, except under ``CI=true``, where they fail: CI must run
them (``.ci/install-system-deps`` installs Chromium, requirements.txt pins
Playwright).
"""

from __future__ import annotations

import os

import pytest
from harness import (
    FIXTURES_DIR,
    NOTEBOOKS_DIR,
    ChromiumBrowser,
    LabServer,
    artifacts_root,
    find_chromium,
    playwright_available,
)


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def pytest_collection_modifyitems(config, items):
    here = os.path.dirname(__file__)
    for item in items:
        if str(item.fspath).startswith(here):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)


def _missing() -> str | None:
    if not playwright_available():
        return (
            "Playwright for Python is not installed "
            "(pip install -r requirements.txt installs the pinned version)"
        )
    if find_chromium() is None:
        return (
            "Debian's chromium is not on PATH (run .ci/install-system-deps, "
            "or: apt-get install -y chromium); Playwright's own browser "
            "download is not used"
        )
    return None


@pytest.fixture(scope="module")
def browser_ready():
    problem = _missing()
    if problem:
        if _in_ci():
            pytest.fail(f"CI=true but the browser tests cannot run: {problem}")
        pytest.skip(problem)


@pytest.fixture(scope="module")
def lab(browser_ready):
    artifacts_root().mkdir(parents=True, exist_ok=True)
    with LabServer(
        {"notebooks": NOTEBOOKS_DIR, "fixtures": FIXTURES_DIR},
        log_path=artifacts_root() / "jupyterlab.log",
    ) as server:
        yield server


@pytest.fixture(scope="module")
def notebook7(browser_ready):
    """Jupyter Notebook 7 (the ``notebook`` package) on the same copies."""
    artifacts_root().mkdir(parents=True, exist_ok=True)
    with LabServer(
        {"notebooks": NOTEBOOKS_DIR, "fixtures": FIXTURES_DIR},
        log_path=artifacts_root() / "notebook7.log",
        app="notebook",
    ) as server:
        yield server


@pytest.fixture(scope="module")
def chromium(browser_ready):
    with ChromiumBrowser() as browser:
        yield browser
