"""Settings are read as upstream reads them; clients are built for every URL kind upstream accepts."""

from __future__ import annotations

import logging
import ssl

import pytest
import redis
from celery import Celery

from redbeat_scheduler.connection import make_client
from redbeat_scheduler.settings import RedBeatSettings, SettingsError


def app_with(**conf) -> Celery:
    app = Celery("settings-test", set_as_current=False)
    app.conf.update(conf)
    return app


def settings(**conf) -> RedBeatSettings:
    conf.setdefault("redbeat_redis_url", "redis://127.0.0.1:1/0")
    return RedBeatSettings.from_app(app_with(**conf))


def test_defaults():
    s = settings()
    assert s.key_prefix == "redbeat:"
    assert s.lock_key == "redbeat::lock"
    assert s.max_interval == 300
    assert s.lock_timeout == 10 and s.lock_timeout_source == "default"  # the lease, not 5 x max_interval
    assert s.retry_period is None and s.client_options == {} and s.starting_deadline is None


def test_uppercase_names_are_read():
    s = settings(REDBEAT_KEY_PREFIX="up:", REDBEAT_LOCK_TIMEOUT=7)
    assert (s.key_prefix, s.lock_key, s.lock_timeout) == ("up:", "up::lock", 7)


def test_lowercase_wins_over_uppercase():
    assert settings(redbeat_key_prefix="low:", REDBEAT_KEY_PREFIX="up:").key_prefix == "low:"


@pytest.mark.parametrize(
    "prefix, configured, expected",
    [
        ("custom", "mylock", "custommylock"),
        ("redbeat:", ":custom", "redbeat::custom"),
        ("redbeat:", "redbeat:explicit", "redbeat:explicit"),
        ("custom", None, None),  # present and falsy: no lock
        ("custom", "", None),
    ],
)
def test_lock_key_rules(prefix, configured, expected):
    assert settings(redbeat_key_prefix=prefix, redbeat_lock_key=configured).lock_key == expected


def test_the_default_lease_does_not_follow_max_interval():
    assert settings(beat_max_loop_interval=2).lock_timeout == 10
    assert settings(beat_max_loop_interval=3000).lock_timeout == 10
    assert (
        RedBeatSettings.from_app(app_with(redbeat_redis_url="redis://x"), max_interval=3).lock_timeout == 10
    )


def test_an_explicit_lock_timeout_keeps_upstreams_meaning():
    s = settings(redbeat_lock_timeout=4)
    assert (s.lock_timeout, s.lock_timeout_source) == (4, "redbeat_lock_timeout")
    assert RedBeatSettings.from_app(app_with(redbeat_redis_url="redis://x"), lock_timeout=4).lock_timeout == 4
    assert settings(redbeat_lock_timeout=0).lock_timeout == 10  # upstream reads 0 as unset


def test_the_lease_setting_wins_over_the_lock_timeout():
    s = settings(redbeat_lock_lease=6, redbeat_lock_timeout=1500)
    assert (s.lock_timeout, s.lock_timeout_source) == (6, "redbeat_lock_lease")
    assert settings(REDBEAT_LOCK_LEASE="2.5").lock_timeout == 2.5
    app = app_with(redbeat_redis_url="redis://x", redbeat_lock_lease=6)
    assert RedBeatSettings.from_app(app, lock_lease=3, lock_timeout=4).lock_timeout == 3


def test_constructor_lock_key_wins():
    s = RedBeatSettings.from_app(app_with(redbeat_redis_url="redis://x", redbeat_lock_key="a"), lock_key="b")
    assert s.lock_key == "redbeat:b"


def test_broker_url_fallback_warns(caplog):
    caplog.set_level(logging.WARNING)
    s = RedBeatSettings.from_app(app_with(broker_url="redis://127.0.0.1:9/3"))
    assert s.redis_url == "redis://127.0.0.1:9/3"
    assert any("redbeat_redis_url is not set" in r.getMessage() for r in caplog.records)


def test_no_url_at_all_is_a_named_error():
    with pytest.raises(SettingsError) as err:
        RedBeatSettings.from_app(app_with(broker_url=None))
    assert err.value.setting == "redbeat_redis_url"


def test_explicit_options_reach_redis_py_but_inherited_broker_options_do_not():
    explicit = settings(
        redbeat_redis_options={"retry_period": 5, "socket_timeout": 3, "sentinels": [("h", 1)]}
    )
    assert explicit.client_options == {"socket_timeout": 3}
    assert explicit.retry_period == 5
    inherited = settings(broker_transport_options={"visibility_timeout": 10, "retry_period": 2})
    assert inherited.client_options == {}  # upstream #319: kombu options must not reach redis-py
    assert inherited.retry_period == 2
    assert settings(redbeat_redis_options={"retry_period": -1}).retry_period == -1


@pytest.mark.parametrize(
    "conf, setting",
    [
        ({"redbeat_lock_timeout": "soon"}, "redbeat_lock_timeout"),
        ({"redbeat_lock_lease": 0}, "redbeat_lock_lease"),
        ({"redbeat_lock_lease": -3}, "redbeat_lock_lease"),
        ({"redbeat_lock_lease": "soon"}, "redbeat_lock_lease"),
        ({"redbeat_redis_options": {"retry_period": "x"}}, "redbeat_redis_options.retry_period"),
        ({"redbeat_starting_deadline": -5}, "redbeat_starting_deadline"),
        ({"redbeat_redis_options": ["not", "a", "dict"]}, "redbeat_redis_options"),
    ],
)
def test_bad_values_name_the_setting(conf, setting):
    with pytest.raises(SettingsError) as err:
        settings(**conf)
    assert err.value.setting == setting


def test_starting_deadline_falls_back_to_celerys_cron_deadline():
    assert settings(beat_cron_starting_deadline=120).starting_deadline == 120
    assert settings(beat_cron_starting_deadline=120, redbeat_starting_deadline=30).starting_deadline == 30


def test_password_is_redacted_in_banner_url():
    s = settings(redbeat_redis_url="redis://user:s3cret@127.0.0.1:6379/0")
    assert "s3cret" not in s.redacted_url and "user:***@127.0.0.1:6379" in s.redacted_url


# clients (built lazily: no server is contacted)


def test_plain_url_client():
    client = make_client(
        settings(redbeat_redis_url="redis://127.0.0.1:6399/4", redbeat_redis_options={"socket_timeout": 2})
    )
    kwargs = client.connection_pool.connection_kwargs
    assert (kwargs["port"], kwargs["db"], kwargs["socket_timeout"], kwargs["decode_responses"]) == (
        6399,
        4,
        2,
        True,
    )


def test_rediss_requires_certificates_and_takes_ssl_options():
    client = make_client(
        settings(
            redbeat_redis_url="rediss://127.0.0.1:6380/0",
            redbeat_redis_use_ssl={"ssl_ca_certs": "/tmp/ca.pem"},
        )
    )
    pool = client.connection_pool
    assert pool.connection_class is redis.SSLConnection
    assert pool.connection_kwargs["ssl_cert_reqs"] == ssl.CERT_REQUIRED
    assert pool.connection_kwargs["ssl_ca_certs"] == "/tmp/ca.pem"
    relaxed = make_client(
        settings(
            redbeat_redis_url="rediss://127.0.0.1:6380/0", broker_use_ssl={"ssl_cert_reqs": ssl.CERT_NONE}
        )
    )
    assert relaxed.connection_pool.connection_kwargs["ssl_cert_reqs"] == ssl.CERT_NONE


@pytest.mark.parametrize("url", ["redis-sentinel://:pw@ignored:1/2", "sentinel://:pw@ignored:1/2"])
def test_sentinel_from_options(url):
    client = make_client(
        settings(
            redbeat_redis_url=url,
            redbeat_redis_options={
                "sentinels": [("127.0.0.1", 26390), ("127.0.0.1", 26391)],
                "service_name": "mymaster",
            },
        )
    )
    pool = client.connection_pool
    assert pool.service_name == "mymaster"
    assert [c.connection_pool.connection_kwargs["port"] for c in pool.sentinel_manager.sentinels] == [
        26390,
        26391,
    ]
    assert pool.connection_kwargs["db"] == 2 and pool.connection_kwargs["password"] == "pw"


def test_sentinel_hosts_from_a_celery_style_url():
    client = make_client(settings(redbeat_redis_url="sentinel://127.0.0.1:26390;sentinel://127.0.0.1:26391"))
    sentinels = client.connection_pool.sentinel_manager.sentinels
    assert [c.connection_pool.connection_kwargs["port"] for c in sentinels] == [26390, 26391]
    assert client.connection_pool.service_name == "master"


def test_sentinel_with_tls_for_the_master():
    client = make_client(
        settings(
            redbeat_redis_url="redis-sentinel://x",
            redbeat_redis_use_ssl={"ssl_ca_certs": "c"},
            redbeat_redis_options={"sentinels": [("127.0.0.1", 26390)]},
        )
    )
    assert issubclass(client.connection_pool.connection_class, redis.SSLConnection)
    assert client.connection_pool.connection_kwargs["ssl_ca_certs"] == "c"


def test_cluster_needs_a_hash_tagged_prefix():
    with pytest.raises(SettingsError) as err:
        make_client(settings(redbeat_redis_url="redis-cluster://x"))
    assert err.value.setting == "redbeat_key_prefix"
    with pytest.raises(SettingsError):  # an empty tag hashes the whole key
        make_client(
            settings(
                redbeat_redis_url="redis://x",
                redbeat_redis_options={"cluster": True},
                redbeat_key_prefix="{}:",
            )
        )
