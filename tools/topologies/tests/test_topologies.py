"""Each topology starts, answers, listens on 127.0.0.1 only and stops leaving no process: from Python, and
through the command line (`python -m topologies`) that the Go and TypeScript tests drive. PostgreSQL (the
import tests' database) too."""

from __future__ import annotations

import json
import os
import pwd
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from topologies import KINDS, Cluster, Postgres, SentinelGroup, Single, TlsServer, Topology, TopologyError
from topologies.postgres import postgres_bin_dir

LOOPBACK = "0100007F"  # 127.0.0.1 as /proc/net/tcp writes it
LISTEN = "0A"


def alive(pid: int) -> bool:
    """The process exists and is not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def gone(pids: list[int], timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while any(alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def listening_addresses(pid: int) -> set[str]:
    """Every TCP address the process listens on ("0100007F:1A2B" or "v6:..."), from /proc."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = set()
    for table, tag in (("tcp", ""), ("tcp6", "v6:")):
        for line in Path(f"/proc/net/{table}").read_text().splitlines()[1:]:
            fields = line.split()
            if fields[3] == LISTEN and fields[9] in inodes:
                found.add(tag + fields[1])
    return found


def assert_loopback_only(info: dict) -> None:
    for node in info["nodes"]:
        assert node["host"] == "127.0.0.1"
        addresses = listening_addresses(node["pid"])
        assert addresses, f"{node['name']} listens on nothing"
        assert {a.split(":")[0] for a in addresses} == {LOOPBACK}, f"{node['name']}: {addresses}"


def pids(info: dict) -> list[int]:
    return [node["pid"] for node in info["nodes"]]


def answers(topology: Topology) -> None:
    """A round trip through each kind's own way in."""
    if isinstance(topology, Single):
        with topology.server.client() as client:
            assert client.set("k", "v") and client.get("k") == "v"
    elif isinstance(topology, Cluster):
        with topology.client() as client:
            for key in ("a", "b", "c", "d"):  # keys in slots of different masters
                client.set(key, key)
            assert [client.get(key) for key in ("a", "b", "c", "d")] == ["a", "b", "c", "d"]
    elif isinstance(topology, SentinelGroup):
        with topology.master.client() as master, topology.replica.client() as replica:
            master.set("k", "v")
            master.wait(1, 5000)
            assert replica.get("k") == "v"
        assert topology.master_addr() == ("127.0.0.1", topology.master.port)
    elif isinstance(topology, TlsServer):
        with redis.Redis.from_url(topology.url, ssl_ca_certs=str(topology.ca_file)) as client:
            assert client.set("redbeat:k", "v") and client.get("redbeat:k") == b"v"
            with pytest.raises(redis.exceptions.NoPermissionError):
                client.flushall()  # the redbeat user's grant has nothing dangerous
    else:  # pragma: no cover - a new kind needs its round trip here
        raise AssertionError(f"no round trip for {topology.kind}")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_starts_answers_on_loopback_and_stops_leaving_nothing(kind: str) -> None:
    topology = KINDS[kind]()
    with topology:
        info = topology.info()
        assert info["kind"] == kind and json.loads(json.dumps(info)) == info
        assert_loopback_only(info)
        answers(topology)
        topology.flushall()
        for node in topology.nodes.values():
            if not node.sentinel:
                with node.client() as client:
                    assert client.dbsize() == 0, node.name
        root = Path(info["root"])
        assert root.is_dir()
    assert gone(pids(info)), f"{kind}: servers left running"
    assert not root.exists()


def test_a_topology_that_fails_to_start_stops_what_it_started(monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[int] = []

    def fail_after_the_first_node(self: Cluster) -> None:
        started.extend(node.pid for node in self.nodes.values() if node.pid)
        raise TopologyError("the cluster did not converge")

    monkeypatch.setattr(Cluster, "_converged", fail_after_the_first_node)
    monkeypatch.setattr("topologies.cluster.wait_for", lambda condition, *a, **k: condition())
    with pytest.raises(TopologyError, match="converge"), Cluster():
        pass
    assert started and gone(started)


def test_single_restarts_on_its_port_with_its_saved_data_and_pauses() -> None:
    with Single() as single:
        port = single.port
        with single.server.client() as client:
            client.set("kept", "1")
        single.server.stop(save=True)
        with pytest.raises(redis.ConnectionError):
            single.server.client(socket_timeout=1).ping()
        single.server.start()
        assert single.port == port
        with single.server.client() as client:
            assert client.get("kept") == "1"
            client.set("kept", "2")
        single.server.stop()  # without SAVE what was written since the last one is lost
        single.server.start()
        with single.server.client() as client:
            assert client.get("kept") == "1"
        single.server.pause()
        with pytest.raises(redis.TimeoutError):
            single.server.client(socket_timeout=0.3).ping()
        single.server.resume()
        assert single.server.client().ping()


def test_tls_refuses_a_client_that_trusts_another_ca_and_one_without_a_login() -> None:
    with TlsServer() as tls:
        with pytest.raises(redis.ConnectionError, match="certificate verify failed"):
            redis.Redis.from_url(tls.url, ssl_ca_certs=str(tls.untrusted_ca_file)).ping()
        anonymous = f"rediss://127.0.0.1:{tls.server.port}/0"
        with pytest.raises(redis.AuthenticationError):
            redis.Redis.from_url(anonymous, ssl_ca_certs=str(tls.ca_file)).ping()


# --- the command line ---------------------------------------------------------------------------------

FIELDS = {
    "single": {"url", "host", "port"},
    "cluster": {"url", "addrs", "startup_nodes"},
    "sentinel": {"url", "service_name", "sentinels", "sentinel_addrs", "master", "replica"},
    "tls": {"url", "admin_url", "user", "password", "ca_file", "untrusted_ca_file", "acl", "port"},
}


class Up:
    """`python -m topologies up KIND` as another language's test runs it."""

    def __init__(self, kind: str):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "topologies", "up", kind],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd="/",  # installed into the venv: no need to run it from tools/
        )
        self.info = json.loads(self.read())

    def read(self) -> str:
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        assert line, f"python -m topologies exited with {self.process.wait()}"
        return line

    def do(self, command: str) -> dict[str, Any]:
        assert self.process.stdin is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        return json.loads(self.read())

    def close(self) -> int:
        assert self.process.stdin is not None
        self.process.stdin.close()
        return self.process.wait(30)


@pytest.fixture
def up() -> Iterator[Any]:
    made: list[Up] = []

    def start(kind: str) -> Up:
        made.append(Up(kind))
        return made[-1]

    yield start
    for each in made:
        if each.process.poll() is None:
            each.process.kill()
            each.process.wait()


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_up_prints_json_answers_commands_and_stops_at_end_of_input(kind: str, up: Any) -> None:
    topology = up(kind)
    assert topology.info["kind"] == kind and FIELDS[kind] <= set(topology.info)
    assert_loopback_only(topology.info)
    assert topology.do("info") == {"ok": True, "info": topology.info}
    assert topology.do("frobnicate") == {"ok": False, "error": "unknown command 'frobnicate'"}
    assert topology.do("stop nowhere")["ok"] is False
    if kind == "sentinel":
        old = topology.info["master"]["port"]
        answer = topology.do("failover")
        assert answer["ok"] and answer["info"]["master"]["port"] == topology.info["replica"]["port"] != old
    else:
        assert topology.do("failover") == {"ok": False, "error": f"{kind} has no failover"}
    assert topology.close() == 0
    assert gone(pids(topology.info))
    assert not Path(topology.info["root"]).exists()


def test_up_restarts_a_node_on_the_same_port_with_its_data(up: Any) -> None:
    topology = up("single")
    client = redis.Redis.from_url(topology.info["url"])
    client.set("kept", "1")
    assert topology.do("stop-save server")["ok"]
    assert topology.do("start server")["info"]["port"] == topology.info["port"]
    assert client.get("kept") == b"1"
    client.close()
    assert topology.close() == 0


def test_servers_die_with_up_when_it_is_killed(up: Any) -> None:
    topology = up("single")
    topology.process.send_signal(signal.SIGKILL)
    topology.process.wait()
    assert gone(pids(topology.info)), "the server outlived the process that started it"


def test_start_detached_then_stop(tmp_path: Path) -> None:
    root = tmp_path / "detached"
    started = subprocess.run(
        [sys.executable, "-m", "topologies", "start", "single", "--root", str(root)],
        capture_output=True,
        text=True,
        check=True,
    )
    info = json.loads(started.stdout)
    assert json.loads((root / "topology.json").read_text()) == info
    assert all(alive(pid) for pid in pids(info))  # it outlives `start`
    assert redis.Redis.from_url(info["url"]).ping()
    subprocess.run([sys.executable, "-m", "topologies", "stop", "--root", str(root)], check=True)
    assert gone(pids(info)) and not root.exists()


@pytest.mark.parametrize(
    "argv, message",
    [
        (["up", "mesh"], "invalid choice: 'mesh'"),
        (["start", "single"], "the following arguments are required: --root"),
        (["stop", "--root", "/nonexistent/redbeat"], "nothing started in /nonexistent/redbeat"),
    ],
)
def test_bad_arguments_get_a_one_line_message(argv: list[str], message: str) -> None:
    done = subprocess.run([sys.executable, "-m", "topologies", *argv], capture_output=True, text=True)
    assert done.returncode != 0 and message in done.stderr and "Traceback" not in done.stderr


def test_no_redis_server_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDBEAT_REDIS_SERVER", "no-such-redis-server")
    with pytest.raises(TopologyError, match="no-such-redis-server is not installed"), Single():
        pass


def test_postgres_runs_unprivileged_on_loopback_and_stops_leaving_nothing() -> None:
    """The import tests' database: Debian's PostgreSQL as the `postgres` user (never root), on a free
    loopback port, its data in a scratch folder removed on stop."""
    with Postgres() as pg:
        info = pg.info()
        assert info["dsn"] == f"postgresql://postgres@127.0.0.1:{pg.port}/postgres"
        assert_loopback_only(info)
        server = info["nodes"][0]["pid"]
        uid = int(Path(f"/proc/{server}/status").read_text().split("Uid:")[1].split()[0])
        assert uid != 0 and (os.geteuid() != 0 or uid == pwd.getpwnam("postgres").pw_uid)
        url = pg.create_database("scratch")
        psql = [str(postgres_bin_dir() / "psql"), "-At", url, "-c"]
        out = subprocess.run([*psql, "SELECT current_database(), 1 + 1"], capture_output=True, text=True)
        assert out.stdout.strip() == "scratch|2", out.stderr
        with pytest.raises(TopologyError, match="already exists"):
            pg.create_database("scratch")
        root = pg.root
    assert gone([server]) and not root.exists()
