"""What `make dist` wrote: every artifact, each with the LICENSE, complete metadata and nothing built."""

from __future__ import annotations

import email
import json
import tarfile
import zipfile

import pytest
from userenv import DIST, GO_MODULE, ROOT

URL = "https://github.com/redbeat-sdk/redbeat-sdk"
LICENSE = (ROOT / "LICENSE").read_text()
PACKAGE_DIRS = ["python", "scheduler", "clients/js", "clients/go"]


def test_dist_holds_exactly_the_artifacts(artifacts):
    assert sorted(p.name for p in DIST.iterdir()) == sorted(p.name for p in artifacts.all())


def test_license_is_mit_and_every_package_has_the_same_copy():
    assert LICENSE.startswith("MIT License\n\nCopyright (c) 2026 the redbeat-sdk authors\n")
    for d in PACKAGE_DIRS:
        assert (ROOT / d / "LICENSE").read_text() == LICENSE, f"{d}/LICENSE differs from LICENSE"


def _wheel(path) -> tuple[zipfile.ZipFile, str]:
    z = zipfile.ZipFile(path)
    info = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA")).rsplit("/", 1)[0]
    return z, info


@pytest.mark.parametrize("kind", ["sdk", "scheduler"])
def test_wheel_metadata_and_license(artifacts, kind):
    z, info = _wheel(getattr(artifacts, f"{kind}_wheel"))
    assert z.read(f"{info}/licenses/LICENSE").decode() == LICENSE
    meta = email.message_from_bytes(z.read(f"{info}/METADATA"))
    assert meta["License-Expression"] == "MIT"
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL"))
    sub = "python" if kind == "sdk" else "scheduler"
    assert urls == {
        "Homepage": URL,
        "Repository": URL,
        "Issues": f"{URL}/issues",
        "Documentation": f"{URL}/blob/main/{sub}/README.md",
    }
    assert "Programming Language :: Python :: 3.10" in meta.get_all("Classifier")
    assert meta["Description-Content-Type"] == "text/markdown" and meta.get_payload().startswith("# redbeat")
    assert not [n for n in z.namelist() if n.startswith(("tests/", "bench"))]


def test_scheduler_needs_celery_with_the_redis_transport(artifacts):
    z, info = _wheel(artifacts.scheduler_wheel)
    requires = email.message_from_bytes(z.read(f"{info}/METADATA")).get_all("Requires-Dist")
    assert any(r.startswith("celery[redis]") for r in requires), requires


@pytest.mark.parametrize("kind", ["sdk", "scheduler"])
def test_sdist_has_the_license(artifacts, kind):
    path = getattr(artifacts, f"{kind}_sdist")
    top = path.name.removesuffix(".tar.gz")
    with tarfile.open(path) as t:
        assert t.extractfile(f"{top}/LICENSE").read().decode() == LICENSE
        assert f"{top}/README.md" in t.getnames()


def test_npm_tarball(artifacts):
    with tarfile.open(artifacts.npm) as t:
        names = set(t.getnames())
        assert t.extractfile("package/LICENSE").read().decode() == LICENSE
        pkg = json.loads(t.extractfile("package/package.json").read())
    assert "package/README.md" in names
    assert pkg["license"] == "MIT"
    assert pkg["repository"]["url"] == f"git+{URL}.git" and pkg["repository"]["directory"] == "clients/js"
    assert pkg["homepage"].startswith(URL) and pkg["bugs"]["url"] == f"{URL}/issues"
    for entry in (pkg["types"], pkg["main"], pkg["exports"]["."]["types"], pkg["exports"]["."]["import"]):
        assert f"package/{entry.removeprefix('./')}" in names, entry
    # the compiled library only: no tests, benches or conformance driver
    assert all(n.startswith("package/dist/src/") or n.count("/") == 1 for n in names), sorted(names)


def test_go_module_zip(artifacts):
    prefix = f"{GO_MODULE}@{artifacts.go_version}/"
    with zipfile.ZipFile(artifacts.go_zip) as z:
        names = z.namelist()
        assert all(n.startswith(prefix) for n in names)
        assert z.read(prefix + "LICENSE").decode() == LICENSE
        assert z.read(prefix + "go.mod").decode().splitlines()[0] == f"module {GO_MODULE}"
    files = [n.removeprefix(prefix) for n in names]
    assert "client.go" in files and "go.sum" in files
    # git's view of the directory: build outputs (bin/, a compiled redbeat.test) never get in
    assert not [f for f in files if f.startswith("bin/") or f.endswith((".test", ".out", ".exe"))]
