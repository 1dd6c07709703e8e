package redbeat_test

// The Go client on the deployments of tools/topologies: a forced Sentinel
// failover (every operation through the failover client, before and after), TLS with an ACL user (and the clear errors of a wrong password or
// an untrusted certificate), and a server that goes away and comes back.
// (Redis Cluster: TestClusterNeedsHashTaggedPrefix.)

import (
	"context"
	"crypto/x509"
	"errors"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go"
	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/redistest"
)

func TestSentinelFailoverIsFollowed(t *testing.T) {
	t.Parallel()
	top := redistest.StartTopology(t, "sentinel")
	fc := redis.NewFailoverClient(&redis.FailoverOptions{MasterName: top.Info.ServiceName, SentinelAddrs: top.Info.SentinelAddrs})
	defer fc.Close()
	c := mustNew(t, fc, redbeat.WithClock(frozen(T0)))
	ctx := t.Context()
	if err := c.Save(ctx, &redbeat.Entry{Name: "before", Task: "t", Schedule: redbeat.Every(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	// replication is asynchronous: a failover loses writes the replica has not received (documented);
	// this test is about following the new master, so wait until the replica has the entry
	if n, err := fc.Do(ctx, "WAIT", 1, 5000).Int(); err != nil || n < 1 {
		t.Fatalf("WAIT for the replica: %d %v", n, err)
	}
	old := top.Info.Master.Name
	info, err := top.Do("failover")
	if err != nil {
		t.Fatal(err)
	}
	if info.Master.Name == old {
		t.Fatalf("master is still %s", old)
	}
	if _, err := c.Get(ctx, "before"); err != nil {
		t.Fatalf("entry written before the failover: %v", err)
	}
	if ok, err := c.Delete(ctx, "before"); !ok || err != nil {
		t.Fatalf("delete: %v %v", ok, err)
	}
	exerciseClient(t, c) // every operation, on the new master
	direct := redis.NewClient(&redis.Options{Addr: info.Master.Addr()})
	defer direct.Close()
	if n, err := direct.Exists(ctx, c.Key("b")).Result(); err != nil || n != 1 {
		t.Fatalf("the new master does not hold what was written after the failover: %d %v", n, err)
	}
}

// tlsClient is a go-redis client for a rediss:// URL that trusts only caFile.
func tlsClient(t *testing.T, rawURL, caFile string) *redis.Client {
	t.Helper()
	o, err := redis.ParseURL(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		o.TLSConfig.RootCAs = pool
	}
	o.MaxRetries = -1
	c := redis.NewClient(o)
	t.Cleanup(func() { c.Close() })
	return c
}

func TestTLSWithAnACLUser(t *testing.T) {
	t.Parallel()
	top := redistest.StartTopology(t, "tls")
	if !strings.Contains(top.Info.URL, "%40") {
		t.Fatalf("the password should need percent-encoding: %s", top.Info.URL)
	}
	c := mustNew(t, tlsClient(t, top.Info.URL, top.Info.CAFile), redbeat.WithClock(frozen(T0)))
	exerciseClient(t, c)
}

func TestTLSMisconfigurationIsAClearConnectionError(t *testing.T) {
	t.Parallel()
	top := redistest.StartTopology(t, "tls")
	wrongPassword := strings.Replace(top.Info.URL, url.QueryEscape(top.Info.Password), "not-the-password", 1)
	if wrongPassword == top.Info.URL {
		u, _ := url.Parse(top.Info.URL)
		u.User = url.UserPassword(top.Info.User, "not-the-password")
		wrongPassword = u.String()
	}
	cases := []struct {
		name, url, ca, what string
	}{
		{"wrong password", wrongPassword, top.Info.CAFile, "login refused"},
		{"untrusted certificate", top.Info.URL, top.Info.UntrustedCAFile, "certificate not trusted"},
		{"system CAs only", top.Info.URL, "", "certificate not trusted"},
	}
	for _, tc := range cases {
		c := mustNew(t, tlsClient(t, tc.url, tc.ca))
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second) // a hang fails, as "unreachable"
		_, err := c.Get(ctx, "a")
		cancel()
		var ce *redbeat.ConnectionError
		if !errors.Is(err, redbeat.ErrConnection) || !errors.As(err, &ce) || ce.What != tc.what {
			t.Errorf("%s: got %v, want a ConnectionError %q", tc.name, err, tc.what)
		}
	}
}

func TestOutageIsAConnectionErrorAndTheClientWorksAfterIt(t *testing.T) {
	t.Parallel()
	top := redistest.StartTopology(t, "single")
	o, _ := redis.ParseURL(top.Info.URL)
	o.MaxRetries = -1 // fail at once; go-redis would otherwise retry with back-off first
	rc := redis.NewClient(o)
	defer rc.Close()
	c := mustNew(t, rc, redbeat.WithClock(frozen(T0)))
	ctx := t.Context()
	if err := c.Save(ctx, &redbeat.Entry{Name: "job", Task: "t", Schedule: redbeat.Every(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if _, err := top.Do("stop-save server"); err != nil { // a restart of a server with persistence
		t.Fatal(err)
	}
	calls := map[string]func() error{
		"get": func() error { _, err := c.Get(ctx, "job"); return err },
		"save": func() error {
			return c.Save(ctx, &redbeat.Entry{Name: "job", Task: "t", Schedule: redbeat.Every(time.Hour)})
		},
		"delete":  func() error { _, err := c.Delete(ctx, "job"); return err },
		"run now": func() error { return c.RunNow(ctx, "job") },
		"list": func() error {
			for _, err := range c.List(ctx) {
				return err
			}
			return nil
		},
	}
	for name, call := range calls {
		err := call()
		var ce *redbeat.ConnectionError
		if !errors.Is(err, redbeat.ErrConnection) || !errors.As(err, &ce) || ce.What != "unreachable" {
			t.Errorf("%s during the outage: %v", name, err)
		}
	}
	if _, err := top.Do("start server"); err != nil {
		t.Fatal(err)
	}
	if e, err := c.Get(ctx, "job"); err != nil || e.Task != "t" {
		t.Fatalf("after the outage: %v %v", e, err)
	}
	if ok, err := c.Delete(ctx, "job"); !ok || err != nil {
		t.Fatalf("delete: %v %v", ok, err)
	}
	exerciseClient(t, c)
}
