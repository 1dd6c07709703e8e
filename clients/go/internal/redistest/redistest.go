// Package redistest starts real redis-server processes on free loopback ports
// for tests, and stops them afterwards. No fake Redis is used anywhere.
//
// When redis-server is missing, tests skip, except under CI=true, where a
// missing prerequisite fails the run.
package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is one redis-server process.
type Server struct {
	Addr string
	Port int
	cmd  *exec.Cmd
	dir  string
}

// CI reports whether a missing prerequisite must fail instead of skip.
func CI() bool { return os.Getenv("CI") == "true" }

// Missing skips the test, or fails it under CI=true.
func Missing(tb testing.TB, what string) {
	tb.Helper()
	if CI() {
		tb.Fatalf("prerequisite missing under CI=true: %s", what)
	}
	tb.Skipf("skipped: %s", what)
}

// Binary returns the redis-server path, or "" when it is not installed.
func Binary() string {
	p, err := exec.LookPath("redis-server")
	if err != nil {
		return ""
	}
	return p
}

// FreePort asks the kernel for a free loopback port. The Redis cluster bus
// uses port+10000, so callers that need it check that one too.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func portFree(p int) bool {
	l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

// Start launches redis-server with extra arguments (after the defaults) and
// waits until it answers PING. The caller stops it.
func Start(extra ...string) (*Server, error) { return start(false, extra...) }

// start picks a free port (and, for cluster nodes, a free bus port too).
func start(needBus bool, extra ...string) (*Server, error) {
	bin := Binary()
	if bin == "" {
		return nil, fmt.Errorf("redis-server is not installed (make redis)")
	}
	var lastErr error
	for range 20 {
		port, err := FreePort()
		if err != nil {
			return nil, err
		}
		if needBus && (port+10000 > 65535 || !portFree(port+10000)) {
			lastErr = fmt.Errorf("no free cluster bus port")
			continue
		}
		dir, err := os.MkdirTemp("", "redbeat-go-redis-")
		if err != nil {
			return nil, err
		}
		args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir}, extra...)
		cmd := exec.Command(bin, args...)
		dieWithParent(cmd)
		if err := cmd.Start(); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
		s := &Server{Addr: "127.0.0.1:" + strconv.Itoa(port), Port: port, cmd: cmd, dir: dir}
		if err := s.waitReady(); err != nil {
			s.Stop()
			lastErr = err
			continue
		}
		return s, nil
	}
	return nil, lastErr
}

func (s *Server) waitReady() error {
	c := redis.NewClient(&redis.Options{Addr: s.Addr, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		if s.cmd.ProcessState != nil {
			return fmt.Errorf("redis-server exited")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("redis-server on %s did not answer", s.Addr)
}

// Stop kills the process and removes its directory.
func (s *Server) Stop() {
	if s.cmd.Process != nil {
		s.cmd.Process.Kill()
		s.cmd.Wait()
	}
	os.RemoveAll(s.dir)
}

// Client returns a go-redis client on the server.
func (s *Server) Client() *redis.Client { return redis.NewClient(&redis.Options{Addr: s.Addr}) }

// URL is the server's redis:// URL for database db.
func (s *Server) URL(db int) string { return fmt.Sprintf("redis://%s/%d", s.Addr, db) }

// Run starts one shared server for a test binary's TestMain and runs the tests.
// When redis-server is missing *srv stays nil (tests then call Need), except
// under CI=true, where the run fails.
func Run(m *testing.M, srv **Server) int {
	s, err := Start()
	if err != nil {
		if CI() {
			fmt.Fprintln(os.Stderr, "prerequisite missing under CI=true:", err)
			return 1
		}
		fmt.Fprintln(os.Stderr, "redis tests will skip:", err)
	}
	*srv = s
	code := m.Run()
	if s != nil {
		s.Stop()
	}
	return code
}

// Need skips or fails the test when the shared server is missing.
func Need(tb testing.TB, s *Server) {
	tb.Helper()
	if s == nil {
		Missing(tb, "redis-server")
	}
}

// Cluster is a Redis Cluster of masters on loopback.
type Cluster struct {
	Nodes []*Server
}

// Addrs are the node addresses.
func (c *Cluster) Addrs() []string {
	var out []string
	for _, n := range c.Nodes {
		out = append(out, n.Addr)
	}
	return out
}

// Stop stops every node.
func (c *Cluster) Stop() {
	for _, n := range c.Nodes {
		n.Stop()
	}
}

// StartCluster starts n masters and splits the 16384 slots between them with
// CLUSTER ADDSLOTSRANGE and MEET (no redis-cli needed).
func StartCluster(n int) (*Cluster, error) {
	c := &Cluster{}
	for len(c.Nodes) < n {
		s, err := start(true, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000")
		if err != nil {
			c.Stop()
			return nil, err
		}
		c.Nodes = append(c.Nodes, s)
	}
	ctx := context.Background()
	per := 16384 / n
	for i, s := range c.Nodes {
		cl := s.Client()
		lo, hi := i*per, (i+1)*per-1
		if i == n-1 {
			hi = 16383
		}
		err := cl.Do(ctx, "cluster", "addslotsrange", lo, hi).Err()
		if err == nil && i > 0 {
			err = cl.ClusterMeet(ctx, "127.0.0.1", strconv.Itoa(c.Nodes[0].Port)).Err()
		}
		cl.Close()
		if err != nil {
			c.Stop()
			return nil, err
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		ok := true
		for _, s := range c.Nodes {
			cl := s.Client()
			info, err := cl.ClusterInfo(ctx).Result()
			cl.Close()
			if err != nil || !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_known_nodes:"+strconv.Itoa(n)) {
				ok = false
			}
		}
		if ok {
			return c, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.Stop()
	return nil, fmt.Errorf("cluster did not converge")
}

// Sentinel is a master watched by one sentinel.
type Sentinel struct {
	Master   *Server
	Sentinel *Server
	Name     string
}

// Stop stops both processes.
func (s *Sentinel) Stop() {
	s.Sentinel.Stop()
	s.Master.Stop()
}

// StartSentinel starts a master and a sentinel monitoring it as "mymaster".
func StartSentinel() (*Sentinel, error) {
	master, err := Start()
	if err != nil {
		return nil, err
	}
	var sent *Server
	for range 5 {
		port, err := FreePort()
		if err != nil {
			break
		}
		dir, _ := os.MkdirTemp("", "redbeat-go-sentinel-")
		conf := filepath.Join(dir, "sentinel.conf")
		body := fmt.Sprintf("port %d\nbind 127.0.0.1\ndir %s\nsentinel monitor mymaster 127.0.0.1 %d 1\nsentinel down-after-milliseconds mymaster 2000\n", port, dir, master.Port)
		if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
			break
		}
		cmd := exec.Command(Binary(), conf, "--sentinel")
		dieWithParent(cmd)
		if err := cmd.Start(); err != nil {
			break
		}
		s := &Server{Addr: "127.0.0.1:" + strconv.Itoa(port), Port: port, cmd: cmd, dir: dir}
		if err := s.waitReady(); err != nil {
			s.Stop()
			continue
		}
		sent = s
		break
	}
	if sent == nil {
		master.Stop()
		return nil, fmt.Errorf("sentinel did not start")
	}
	// Wait until the sentinel reports the master.
	sc := redis.NewSentinelClient(&redis.Options{Addr: sent.Addr})
	defer sc.Close()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		addr, err := sc.GetMasterAddrByName(context.Background(), "mymaster").Result()
		if err == nil && len(addr) == 2 && addr[1] == strconv.Itoa(master.Port) {
			return &Sentinel{Master: master, Sentinel: sent, Name: "mymaster"}, nil
		}
		time.Sleep(50 * time.Millisecond)
	}
	sent.Stop()
	master.Stop()
	return nil, fmt.Errorf("sentinel did not see the master")
}
