package redistest

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// Topology is a deployment that tools/topologies starts on loopback (the same
// launcher the Python tests and the conformance runner use): "single",
// "cluster", "sentinel" or "tls". It runs `python -m topologies up KIND` and
// stops when Close closes its stdin (or when the test process dies).
type Topology struct {
	Info  TopologyInfo
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
}

// TopologyNode is one redis-server of a topology.
type TopologyNode struct {
	Name string `json:"name"`
	Host string `json:"host"`
	Port int    `json:"port"`
}

// Addr is host:port.
func (n TopologyNode) Addr() string { return fmt.Sprintf("%s:%d", n.Host, n.Port) }

// TopologyInfo is the JSON a topology describes itself with (README of tools/topologies).
type TopologyInfo struct {
	Kind            string         `json:"kind"`
	URL             string         `json:"url"`
	Nodes           []TopologyNode `json:"nodes"`
	Addrs           []string       `json:"addrs"`          // cluster
	ServiceName     string         `json:"service_name"`   // sentinel
	SentinelAddrs   []string       `json:"sentinel_addrs"` // sentinel
	Master          TopologyNode   `json:"master"`         // sentinel
	Replica         TopologyNode   `json:"replica"`        // sentinel
	AdminURL        string         `json:"admin_url"`      // tls
	CAFile          string         `json:"ca_file"`
	UntrustedCAFile string         `json:"untrusted_ca_file"`
	User            string         `json:"user"`
	Password        string         `json:"password"`
	Port            int            `json:"port"`
}

// repoRoot is the repository root, found from this file's place in it.
func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "..")
}

// Python is the repository venv's interpreter ($REDBEAT_VENV or .venv), or ""
// when there is none.
func Python() string {
	venv := os.Getenv("REDBEAT_VENV")
	if venv == "" {
		venv = filepath.Join(repoRoot(), ".venv")
	}
	py := filepath.Join(venv, "bin", "python")
	if _, err := os.Stat(py); err != nil {
		return ""
	}
	return py
}

// StartTopology starts kind and stops it when the test ends. A missing
// redis-server or venv skips the test (fails it under CI=true).
func StartTopology(tb testing.TB, kind string) *Topology {
	tb.Helper()
	if why := missing(); why != "" {
		Missing(tb, why)
	}
	t, err := Up(kind)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(t.Close)
	return t
}

// Up starts kind outside a test (a TestMain, a benchmark command); the caller
// closes it.
func Up(kind string) (*Topology, error) {
	if why := missing(); why != "" {
		return nil, fmt.Errorf("missing %s", why)
	}
	cmd := exec.Command(Python(), "-m", "topologies", "up", kind)
	cmd.Stderr = os.Stderr
	dieWithParent(cmd)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	t := &Topology{cmd: cmd, stdin: stdin, out: bufio.NewReader(stdout)}
	line, err := t.out.ReadBytes('\n')
	if err == nil {
		err = json.Unmarshal(line, &t.Info)
	}
	if err != nil {
		t.Close()
		return nil, fmt.Errorf("topology %s did not start: %v: %s", kind, err, line)
	}
	return t, nil
}

// Do sends one command ("failover", "stop-save server", "start server", ...)
// and returns the topology's description afterwards.
func (t *Topology) Do(command string) (TopologyInfo, error) {
	if _, err := io.WriteString(t.stdin, command+"\n"); err != nil {
		return TopologyInfo{}, err
	}
	line, err := t.out.ReadBytes('\n')
	if err != nil {
		return TopologyInfo{}, err
	}
	var answer struct {
		OK    bool         `json:"ok"`
		Error string       `json:"error"`
		Info  TopologyInfo `json:"info"`
	}
	if err := json.Unmarshal(line, &answer); err != nil {
		return TopologyInfo{}, fmt.Errorf("%w: %s", err, strings.TrimSpace(string(line)))
	}
	if !answer.OK {
		return TopologyInfo{}, fmt.Errorf("topology %s: %s: %s", t.Info.Kind, command, answer.Error)
	}
	t.Info = answer.Info
	return answer.Info, nil
}

// Close stops every server of the topology.
func (t *Topology) Close() {
	if t.stdin != nil {
		t.stdin.Close()
		t.stdin = nil
		t.cmd.Wait()
	}
}
