package redbeat_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go"
	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/redistest"
)

var srv *redistest.Topology

func TestMain(m *testing.M) { os.Exit(redistest.Run(m, &srv)) }

// T0 is the frozen clock of upstream's vectors: 2025-01-15T12:00:00Z.
var T0 = time.Date(2025, 1, 15, 12, 0, 0, 0, time.UTC)

func frozen(t time.Time) func() time.Time { return func() time.Time { return t } }

var prefixSeq atomic.Int64

// env is a test's client, its raw Redis connection and its unique key prefix.
type env struct {
	t   *testing.T
	c   *redbeat.Client
	rc  *redis.Client
	ctx context.Context
	now *time.Time
}

// newEnv gives the test a client on the shared server with its own key prefix
// and a clock it can move.
func newEnv(t *testing.T, opts ...redbeat.Option) *env {
	t.Helper()
	redistest.Need(t, srv)
	rc := srv.Client()
	t.Cleanup(func() { rc.Close() })
	now := T0
	e := &env{t: t, rc: rc, ctx: context.Background(), now: &now}
	prefix := fmt.Sprintf("t%d:", prefixSeq.Add(1))
	all := append([]redbeat.Option{redbeat.WithKeyPrefix(prefix), redbeat.WithClock(func() time.Time { return *e.now })}, opts...)
	e.c = mustNew(t, rc, all...)
	return e
}

// mustNew is redbeat.New for a test that cannot go on without the client.
func mustNew(t testing.TB, rc redis.UniversalClient, opts ...redbeat.Option) *redbeat.Client {
	t.Helper()
	c, err := redbeat.New(rc, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *env) hget(name, field string) (string, bool) {
	v, err := e.rc.HGet(e.ctx, e.c.Key(name), field).Result()
	if err == redis.Nil {
		return "", false
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return v, true
}

func (e *env) score(name string) (int64, bool) {
	v, err := e.rc.ZScore(e.ctx, e.c.ScheduleKey(), e.c.Key(name)).Result()
	if err == redis.Nil {
		return 0, false
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return int64(v), true
}

func mustLoc(t testing.TB, name string) *time.Location {
	t.Helper()
	l, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
