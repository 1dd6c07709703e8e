"""The scheduler over TLS and through Sentinel on real servers; Redis going away does not kill beat."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest
import redis

from redbeat_sdk import Entry, Interval, RedBeatClient
from redbeat_sdk.redis_server import RedisServer, free_port

from beatprocs import wait_until
from redbeat_scheduler.retry import Retrying


@pytest.fixture(scope="module")
def tls_files():
    """A throwaway CA and a server certificate for 127.0.0.1."""
    folder = Path(tempfile.mkdtemp(prefix="redbeat-tls-"))

    def openssl(*args):
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    openssl(
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=redbeat-test-ca",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
    )
    openssl(
        "req",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        "server.key",
        "-out",
        "server.csr",
    )
    (folder / "ext.cnf").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl(
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
        "-out",
        "server.crt",
    )
    return folder


def test_rediss_with_a_ca_certificate(tls_files, make_app, make_scheduler, clock, broker):
    tls_port = free_port()
    with RedisServer(
        extra_args=[
            "--tls-port",
            str(tls_port),
            "--tls-cert-file",
            str(tls_files / "server.crt"),
            "--tls-key-file",
            str(tls_files / "server.key"),
            "--tls-ca-cert-file",
            str(tls_files / "ca.crt"),
            "--tls-auth-clients",
            "no",
        ]
    ):
        url = f"rediss://127.0.0.1:{tls_port}/0"
        ca = str(tls_files / "ca.crt")
        sdk = RedBeatClient(redis.Redis.from_url(url, ssl_ca_certs=ca), clock=clock)
        sdk.save(Entry("secure", "tasks.tls", Interval(1)))
        clock.advance(1)
        beat = make_scheduler(make_app(redbeat_redis_url=url, redbeat_redis_use_ssl={"ssl_ca_certs": ca}))
        beat.tick()
        assert broker.tasks() == ["tasks.tls"]
        beat.close()
        untrusting = make_scheduler(make_app(redbeat_redis_url=url))  # certificates required, CA unknown
        untrusting.tick()
        assert untrusting.stats.redis_errors == 1 and len(broker.sent()) == 1


def test_through_sentinel(make_app, make_scheduler, clock, broker):
    with RedisServer() as master:
        folder = Path(tempfile.mkdtemp(prefix="redbeat-sentinel-"))
        port = free_port()
        conf = folder / "sentinel.conf"
        conf.write_text(
            f"port {port}\nbind 127.0.0.1\ndir {folder}\n"
            f"sentinel monitor themaster 127.0.0.1 {master.port} 1\n"
        )
        sentinel = subprocess.Popen(
            ["redis-server", str(conf), "--sentinel"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            probe = redis.Redis(port=port, decode_responses=True)

            def answers():
                try:
                    return probe.sentinel_get_master_addr_by_name("themaster")
                except redis.ConnectionError:
                    return None

            wait_until(answers, 10, "sentinel did not start")
            sdk = RedBeatClient.from_url(master.url, clock=clock)
            sdk.save(Entry("via-sentinel", "tasks.s", Interval(1)))
            clock.advance(1)
            beat = make_scheduler(
                make_app(
                    redbeat_redis_url="redis-sentinel://",
                    redbeat_redis_options={"sentinels": [("127.0.0.1", port)], "service_name": "themaster"},
                )
            )
            beat.tick()
            assert broker.tasks() == ["tasks.s"]
            beat.close()
            probe.close()
        finally:
            sentinel.terminate()
            sentinel.wait(5)


def test_redis_going_away_does_not_kill_beat(make_app, make_scheduler, clock, broker, errors):
    server = RedisServer().start()
    try:
        sdk = RedBeatClient.from_url(server.url, clock=clock)
        sdk.save(Entry("e", "tasks.e", Interval(1)))
        beat = make_scheduler(make_app(redbeat_redis_url=server.url))
        beat.tick()
        server.stop()
        clock.advance(1)
        assert beat.tick() == 5.0 and beat.tick() == 5.0  # logged once, retried every few seconds
        assert beat.stats.redis_errors == 2 and len(errors()) == 1
        server = RedisServer(port=server.port).start()  # back, but empty (no persistence)
        sdk = RedBeatClient.from_url(server.url, clock=clock)
        sdk.save(Entry("e", "tasks.e", Interval(1)))
        clock.advance(1)
        beat.tick()
        assert broker.tasks() == ["tasks.e"]
    finally:
        server.stop()


def test_retry_period_retries_connection_errors_then_gives_up():
    closed = redis.Redis(port=free_port(), socket_connect_timeout=0.2)
    slept, clock = [], [0.0]

    def sleep(seconds):
        slept.append(seconds)
        clock[0] += seconds

    retrying = Retrying(10, sleep=sleep, monotonic=lambda: clock[0])
    with pytest.raises(redis.ConnectionError):
        retrying(closed.ping)
    assert slept == [1, 2, 4]  # the next wait (8 s) would pass the 10 s period
    attempts = []

    def flaky():
        attempts.append(1)
        return closed.ping() if len(attempts) < 3 else "ok"

    assert Retrying(-1, sleep=sleep, monotonic=lambda: clock[0])(flaky) == "ok" and len(attempts) == 3
    assert Retrying(None)(lambda: "direct") == "direct"


def cluster_port(_taken: set = set()) -> int:
    """A free port whose cluster bus port (port + 10000) is free and valid too."""
    import random
    import socket

    for _ in range(200):
        port = random.randint(20000, 50000)
        if port in _taken:
            continue
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + 10000))
            _taken.add(port)
            return port
        except OSError:
            continue
    raise RuntimeError("no free port pair for a cluster node")


@pytest.fixture(scope="module")
def cluster():
    """Three masters on loopback, no replicas (the recipe of research/ecosystem.md §6)."""
    nodes = [
        RedisServer(
            port=cluster_port(),
            extra_args=[
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                "nodes.conf",
                "--cluster-node-timeout",
                "2000",
            ],
        )
        for _ in range(3)
    ]
    try:
        for node in nodes:
            node.start()
        subprocess.run(
            [
                "redis-cli",
                "--cluster",
                "create",
                *[f"127.0.0.1:{n.port}" for n in nodes],
                "--cluster-replicas",
                "0",
                "--cluster-yes",
            ],
            check=True,
            capture_output=True,
        )
        probe = redis.Redis(port=nodes[0].port, decode_responses=True)
        wait_until(lambda: probe.cluster("INFO").get("cluster_state") == "ok", 20, "cluster not ok")
        probe.close()
        yield nodes
    finally:
        for node in nodes:
            node.stop()


def test_on_redis_cluster_with_a_hash_tagged_prefix(cluster, make_app, make_scheduler, clock, broker):
    from redis.cluster import ClusterNode, RedisCluster

    nodes = [{"host": "127.0.0.1", "port": n.port} for n in cluster]
    client = RedisCluster(startup_nodes=[ClusterNode(**n) for n in nodes], decode_responses=True)
    sdk = RedBeatClient(client, key_prefix="{rb}:", clock=clock)
    sdk.save(Entry("clustered", "tasks.c", Interval(1)))
    clock.advance(1)
    beat = make_scheduler(
        make_app(
            redbeat_redis_url="redis-cluster://",
            redbeat_key_prefix="{rb}:",
            redbeat_redis_options={"startup_nodes": nodes},
        )
    )
    beat.tick()
    assert broker.tasks() == ["tasks.c"] and beat.leading
    assert sdk.get("clustered").total_run_count == 1
    client.close()
