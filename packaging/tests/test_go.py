"""The Go module zip, unpacked outside the checkout and required by a new module through a replace."""

from __future__ import annotations

import json

from goprog import build_and_run
from userenv import GO_MODULE, clean_env, run

SMOKE = """\
package main

import (
	"context"
	"encoding/json"
	"log"
	"os"
	"time"

	redbeat "github.com/redbeat-sdk/redbeat-sdk/clients/go"
)

func main() {
	ctx := context.Background()
	client, err := redbeat.NewFromURL(os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	entry := &redbeat.Entry{Name: "from-zip", Task: "tasks.ping", Schedule: redbeat.Every(30 * time.Second),
		Kwargs: map[string]any{"via": "go"}}
	if err := client.Save(ctx, entry); err != nil {
		log.Fatal(err)
	}
	got, err := client.Get(ctx, "from-zip")
	if err != nil {
		log.Fatal(err)
	}
	json.NewEncoder(os.Stdout).Encode(map[string]any{"task": got.Task, "kwargs": got.Kwargs})
}
"""


def test_module_comes_from_the_zip(go_env):
    app, unpacked = go_env
    replaced = run(["go", "list", "-m", "-f", "{{.Replace.Dir}}", GO_MODULE], app, clean_env()).stdout.strip()
    assert replaced == str(unpacked)


def test_go_program(go_env, redis_server, r):
    app, _ = go_env
    got = json.loads(build_and_run(app, "smoke", SMOKE, [redis_server.url]))
    assert got == {"task": "tasks.ping", "kwargs": {"via": "go"}}
    assert json.loads(r.hget("redbeat:from-zip", "definition"))["kwargs"] == {"via": "go"}
