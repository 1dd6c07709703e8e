"""The extension profile through `redbeat`: add/edit flags, list --label, history, entry files and
export/import carrying extensions, doctor's left-overs (--fix) and its upstream-lock warning."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from clirun import refused, run

from redbeat_sdk import RedBeatClient
from redbeat_sdk.history import encode_record
from redbeat_sdk.schedules import OneOff

UTC = timezone.utc


@pytest.fixture
def url(redis_server, r):
    return redis_server.url


def test_add_with_extension_flags_and_edit_changes_only_what_is_given(url, r):
    done = run(
        url,
        "add",
        "invoices",
        "--task",
        "billing.invoices",
        "--cron",
        "0 9 * * *",
        "--zone",
        "Europe/Berlin",
        "--jitter",
        "90s",
        "--catch-up",
        "10m",
        "--label",
        "tenant=acme",
        "--label",
        "team=billing",
        "--description",
        "monthly invoices",
        "--start-at",
        "2030-01-01T00:00:00Z",
    )
    assert done.returncode == 0, done.stderr
    ext = json.loads(r.hget("redbeat:invoices", "extensions"))
    assert ext == {
        "version": 1,
        "timezone": "Europe/Berlin",
        "start_at": "2030-01-01T00:00:00Z",
        "jitter_ms": 90000,
        "catch_up": 600,
        "labels": {"tenant": "acme", "team": "billing"},
        "description": "monthly invoices",
    }
    assert run(url, "edit", "invoices", "--label", "tenant=other", "--catch-up", "skip").returncode == 0
    ext = json.loads(r.hget("redbeat:invoices", "extensions"))
    assert ext["labels"] == {"tenant": "other"} and ext["catch_up"] == "skip"
    assert ext["timezone"] == "Europe/Berlin" and ext["jitter_ms"] == 90000  # kept
    row = json.loads(run(url, "show", "invoices", "--json").stdout)
    assert row["labels"] == {"tenant": "other"} and row["timezone"] == "Europe/Berlin"
    assert row["definition"]["extensions"]["description"] == "monthly invoices"


def test_a_one_off_from_flags(url, r):
    done = run(url, "add", "once", "--task", "t", "--at", "2030-05-01T09:00:00+02:00", "--delete-after-run")
    assert done.returncode == 0, done.stderr
    entry = RedBeatClient(r).get("once")
    assert entry.schedule == OneOff(datetime(2030, 5, 1, 7, tzinfo=UTC), delete_after_run=True)
    assert "once at 2030-05-01T09:00:00+02:00 (then deleted)" in run(url, "list").stdout


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--every", "5", "--zone", "Nope/Zone"], ["--zone", "unknown IANA time zone 'Nope/Zone'"]),
        (["--every", "5", "--label", "tenant"], ["--label", "KEY=VALUE"]),
        (["--every", "5", "--label", "a b=c"], ["--label", "key 'a b'"]),
        (["--every", "5", "--catch-up", "later"], ["--catch-up"]),
        (["--every", "5", "--jitter", "3d"], ["--jitter", "at most"]),
        (["--every", "5", "--start-at", "tomorrow"], ["--start-at", "ISO 8601"]),
        (
            ["--every", "5", "--start-at", "2030-02-01T00:00:00Z", "--end-at", "2030-01-01T00:00:00Z"],
            ["--end-at", "before start_at"],
        ),
        (["--at", "2030-01-01T00:00:00.5Z"], ["--at", "whole second"]),
        (["--every", "5", "--at", "2030-01-01T00:00:00Z"], ["--every and --at"]),
        (["--every", "5", "--delete-after-run"], ["--delete-after-run goes with --at"]),
    ],
)
def test_bad_extension_flags_name_the_flag_and_write_nothing(url, r, args, words):
    refused(run(url, "add", "x", "--task", "t", *args), 2, *words)
    assert r.keys("*") == []


def test_list_by_label(url, r):
    for name, tenant in (("a", "acme"), ("b", "beta"), ("c", "acme")):
        assert (
            run(url, "add", name, "--task", "t", "--every", "60", "--label", f"tenant={tenant}").returncode
            == 0
        )
    rows = json.loads(run(url, "list", "--json", "--label", "tenant=acme").stdout)
    assert sorted(row["name"] for row in rows) == ["a", "c"]
    assert json.loads(run(url, "list", "--json", "--label", "tenant=acme", "--label", "x=y").stdout) == []
    refused(run(url, "list", "--label", "tenant=a b"), 2, "--label", "tenant")


def test_history_command(url, r):
    assert run(url, "add", "h", "--task", "t", "--every", "60").returncode == 0
    due = datetime(2025, 1, 15, 12, 1, tzinfo=UTC)
    r.lpush("redbeat::history:h", encode_record(due, due.replace(microsecond=120000), "abc", "beat-1"))
    shown = json.loads(run(url, "history", "h", "--json").stdout)
    assert shown == {
        "name": "h",
        "runs": [
            {
                "due": "2025-01-15T12:01:00+00:00",
                "recorded": "2025-01-15T12:01:00.120000+00:00",
                "task_id": "abc",
                "lateness_ms": 120,
                "beat": "beat-1",
            }
        ],
    }
    assert "abc" in run(url, "history", "h").stdout
    assert "no runs recorded" in run(url, "history", "other").stdout
    refused(run(url, "history", "h", "-n", "0"), 2, "-n")


def test_export_import_and_entry_files_keep_extensions(url, r, tmp_path):
    assert (
        run(
            url, "add", "a", "--task", "t", "--every", "60", "--zone", "Asia/Tokyo", "--label", "k=v"
        ).returncode
        == 0
    )
    assert run(url, "add", "o", "--task", "t", "--at", "2030-05-01T09:00:00Z").returncode == 0
    before = {e.name: e for e in RedBeatClient(r).list()}
    lines = run(url, "export").stdout
    assert '"extensions": {"version": 1, "timezone": "Asia/Tokyo"' in lines
    yaml_text = run(url, "show", "a").stdout
    assert "extensions:" in yaml_text and "version" not in yaml_text
    r.flushall()
    (tmp_path / "all.jsonl").write_text(lines)
    assert run(url, "import", str(tmp_path / "all.jsonl")).returncode == 0
    assert {e.name: e for e in RedBeatClient(r).list()} == before
    r.flushall()
    (tmp_path / "a.yaml").write_text(yaml_text)
    assert run(url, "add", "--file", str(tmp_path / "a.yaml")).returncode == 0
    assert RedBeatClient(r).get("a") == before["a"]
    (tmp_path / "bad.yaml").write_text("name: b\ntask: t\nschedule: 5\nextensions:\n  labels: {k: 'a b'}\n")
    refused(run(url, "add", "--file", str(tmp_path / "bad.yaml")), 2, "bad.yaml:5", "extensions.labels.k")


def test_doctor_finds_and_fixes_what_an_upstream_delete_leaves(url, r):
    assert run(url, "add", "gone", "--task", "t", "--every", "60", "--label", "tenant=acme").returncode == 0
    assert run(url, "add", "kept", "--task", "t", "--every", "60", "--label", "tenant=acme").returncode == 0
    due = datetime(2025, 1, 15, 12, tzinfo=UTC)
    for name in ("gone", "kept"):
        r.lpush(f"redbeat::history:{name}", encode_record(due, due, "id", "b"))
    # upstream's delete: ZREM the member and DEL the hash, nothing else
    r.zrem("redbeat::schedule", "redbeat:gone")
    r.delete("redbeat:gone")
    found = json.loads(run(url, "doctor", "--json").stdout)
    checks = {(f["check"], f["key"]) for f in found["findings"]}
    assert checks == {("leftover-history", "redbeat::history:gone"), ("stale-label", "redbeat:gone")}
    assert found["problems"] == 2
    fixed = run(url, "doctor", "--fix")
    assert fixed.returncode == 0, fixed.stdout
    assert r.exists("redbeat::history:gone") == 0 and r.exists("redbeat::history:kept") == 1
    assert r.zrange("redbeat::labels", 0, -1) == ["tenant=acme\nredbeat:kept"]
    assert "no problems found" in run(url, "doctor").stdout


def test_doctor_warns_when_an_upstream_beat_holds_the_lock_over_extended_entries(url, r):
    assert run(url, "add", "z", "--task", "t", "--cron", "0 9 * * *", "--zone", "Asia/Tokyo").returncode == 0
    r.set("redbeat::lock", "6f1c2a3e0a1b11f0a0c8a1b2c3d4e5f6", px=60_000)  # upstream's uuid1().hex
    found = json.loads(run(url, "doctor", "--json").stdout)
    assert [f["check"] for f in found["findings"]] == ["upstream-beat"]
    assert "extensions of 1 entries are ignored" in found["findings"][0]["detail"]
