"""Fixtures: dist/ as `make dist` left it, a scratch directory under /tmp (outside the checkout), one test
redis-server, and the three user projects built from dist/ (in parallel: each mostly waits on a registry)."""

from __future__ import annotations

import shutil
import tempfile
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest
from userenv import DIST, ROOT, Artifacts, build_go, build_js, build_python

pytest_plugins = ("topologies.fixtures",)  # redis_server (one per session) and r (emptied per test)


@pytest.fixture(scope="session")
def artifacts() -> Artifacts:
    art = Artifacts.from_sources()
    missing = [p.name for p in art.all() if not p.exists()]
    if missing:
        pytest.fail(
            f"{DIST} lacks {', '.join(missing)}: run `make dist` at the top (make -C packaging test does)"
        )
    return art


@pytest.fixture(scope="session")
def workdir():
    where = Path(tempfile.mkdtemp(prefix="redbeat-packaging-", dir="/tmp")).resolve()
    assert not where.is_relative_to(ROOT)
    yield where
    shutil.rmtree(where, ignore_errors=True)


@pytest.fixture(scope="session")
def _projects(artifacts, workdir) -> dict[str, Future]:
    """All three start at the first test that needs any of them."""
    with ThreadPoolExecutor(3) as pool:
        futures = {
            "python": pool.submit(build_python, workdir / "venv", artifacts),
            "js": pool.submit(build_js, workdir / "js", artifacts),
            "go": pool.submit(build_go, workdir / "go", artifacts),
        }
        yield futures


@pytest.fixture(scope="session")
def python_env(_projects) -> Path:
    """A venv with redbeat-sdk[cli] and redbeat-scheduler installed from their wheels."""
    return _projects["python"].result()


@pytest.fixture(scope="session")
def js_env(_projects) -> Path:
    """An npm project (type module, tsconfig strict) with the tarball, typescript and @types/node."""
    return _projects["js"].result()


@pytest.fixture(scope="session")
def go_env(_projects) -> tuple[Path, Path]:
    """(a module whose go.mod replaces the SDK by the unpacked zip, that unpacked module's directory)."""
    return _projects["go"].result()
