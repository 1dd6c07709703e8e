"""A user's machine, as far as the checks can make one: a scratch directory outside the checkout, an
environment without the repository's venv, and the three projects (venv, npm, Go module) built from dist/
with the commands the READMEs give."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import tomllib

ROOT = Path(__file__).resolve().parents[2]
DIST = Path(os.environ.get("REDBEAT_DIST") or ROOT / "dist").resolve()
GO_MODULE = "github.com/redbeat-sdk/redbeat-sdk/clients/go"

# What a user's shell would have: the tools, the caches and registry settings, nothing of this checkout.
_KEEP = {
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "LANG",
    "LANGUAGE",
    "TERM",
    "TMPDIR",
    "TZ",
    "CI",
    "http_proxy",
    "https_proxy",
    "no_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "NO_PROXY",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "REQUESTS_CA_BUNDLE",
    "NODE_EXTRA_CA_CERTS",
    "XDG_CACHE_HOME",
}
_KEEP_PREFIXES = ("LC_", "PIP_", "npm_config_", "NPM_CONFIG_", "GO")
_DROP = {"GOFLAGS"}  # the repository's Makefiles set -mod=mod; a user's shell does not


def clean_env(path_first: list[Path] = (), **extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if (k in _KEEP or k.startswith(_KEEP_PREFIXES)) and k not in _DROP
    }
    # no PATH entry inside the checkout (the repository venv, node_modules/.bin)
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and not _inside(Path(p), ROOT)]
    env["PATH"] = os.pathsep.join([str(p) for p in path_first] + path)
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env.update(extra)
    return env


def _inside(path: Path, root: Path) -> bool:
    try:
        return path.resolve().is_relative_to(root)
    except OSError:
        return False


def run(cmd: list, cwd: Path, env: dict[str, str], timeout: float = 600) -> subprocess.CompletedProcess:
    """Run a command; a failure is an AssertionError with the command and everything it printed."""
    shown = shlex.join(map(str, cmd))
    try:
        proc = subprocess.run(
            cmd,
            cwd=cwd,
            env=env,
            timeout=timeout,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
    except subprocess.TimeoutExpired as exc:
        raise AssertionError(
            f"`{shown}` (in {cwd}) still running after {timeout} s:\n{exc.output or ''}"
        ) from None
    if proc.returncode != 0:
        raise AssertionError(f"`{shown}` (in {cwd}) exited {proc.returncode}:\n{proc.stdout}")
    return proc


@dataclass(frozen=True)
class Artifacts:
    """The file names `make dist` writes, from the versions the sources declare."""

    sdk_wheel: Path
    sdk_sdist: Path
    scheduler_wheel: Path
    scheduler_sdist: Path
    npm: Path
    go_zip: Path
    go_version: str

    @classmethod
    def from_sources(cls) -> Artifacts:
        sdk = tomllib.loads((ROOT / "python" / "pyproject.toml").read_text())["project"]["version"]
        sched = tomllib.loads((ROOT / "scheduler" / "pyproject.toml").read_text())["project"]["version"]
        npm = json.loads((ROOT / "clients" / "js" / "package.json").read_text())["version"]
        go = next(
            line.split(":=")[1].strip()
            for line in (ROOT / "clients" / "go" / "Makefile").read_text().splitlines()
            if line.startswith("VERSION :=")
        )
        return cls(
            DIST / f"redbeat_sdk-{sdk}-py3-none-any.whl",
            DIST / f"redbeat_sdk-{sdk}.tar.gz",
            DIST / f"redbeat_scheduler-{sched}-py3-none-any.whl",
            DIST / f"redbeat_scheduler-{sched}.tar.gz",
            DIST / f"redbeat-sdk-{npm}.tgz",
            DIST / f"redbeat-go-{go}.zip",
            go,
        )

    def all(self) -> list[Path]:
        return [
            self.sdk_wheel,
            self.sdk_sdist,
            self.scheduler_wheel,
            self.scheduler_sdist,
            self.npm,
            self.go_zip,
        ]


def new_venv(where: Path) -> Path:
    """A venv of the interpreter the repository venv was made from (`$(PYTHON)`), with pip."""
    subprocess.run(
        [getattr(sys, "_base_executable", sys.executable), "-m", "venv", str(where)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return where


def venv_env(venv_dir: Path, **extra: str) -> dict[str, str]:
    return clean_env([venv_dir / "bin"], VIRTUAL_ENV=str(venv_dir), **extra)


def build_python(where: Path, art: Artifacts) -> Path:
    """The two wheels (and the SDK's cli and web extras) in a fresh venv, as python/README.md installs them."""
    new_venv(where)
    run(
        ["pip", "install", "-q", f"{art.sdk_wheel}[cli,web]", str(art.scheduler_wheel)],
        where,
        venv_env(where),
    )
    return where


def js_versions() -> dict[str, str]:
    """typescript and @types/node at the versions clients/js builds with (not whatever is newest today)."""
    dev = json.loads((ROOT / "clients" / "js" / "package.json").read_text())["devDependencies"]
    return {name: dev[name] for name in ("typescript", "@types/node")}


TSCONFIG = {
    "compilerOptions": {
        "target": "es2022",
        "module": "nodenext",
        "strict": True,
        "types": ["node"],
        "noEmitOnError": True,
    }
}


def build_js(where: Path, art: Artifacts) -> Path:
    """A new npm project (ESM) with the tarball, typescript and @types/node: clients/js/README.md's steps."""
    where.mkdir(parents=True)
    env = clean_env()
    run(["npm", "init", "-y"], where, env)
    run(["npm", "pkg", "set", "type=module"], where, env)
    tools = [f"{name}@{version}" for name, version in js_versions().items()]
    run(["npm", "install", "--no-audit", "--no-fund", str(art.npm), *tools], where, env)
    (where / "tsconfig.json").write_text(json.dumps(TSCONFIG, indent=2) + "\n")
    return where


def build_go(where: Path, art: Artifacts) -> tuple[Path, Path]:
    """The module zip unpacked, and a new module requiring it through a replace: clients/go/README.md's steps.
    Returns (the new module, the unpacked module directory)."""
    unpacked = where / "unpacked"
    app = where / "app"
    app.mkdir(parents=True)
    env = clean_env()
    run(["unzip", "-q", str(art.go_zip), "-d", str(unpacked)], where, env)
    module_dir = unpacked / f"{GO_MODULE}@{art.go_version}"
    run(["go", "mod", "init", "example.com/app"], app, env)
    run(["go", "mod", "edit", f"-replace={GO_MODULE}={module_dir}"], app, env)
    run(["go", "get", f"{GO_MODULE}@{art.go_version}"], app, env)
    return app, module_dir
