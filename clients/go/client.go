package redbeat

import (
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/keys"
	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/rdb"
)

// Client manages the entries of one RedBeat schedule. It is safe for
// concurrent use. Every write is atomic per entry and upstream celery-redbeat
// 2.4 reads and fires what it writes.
type Client struct {
	rdb   *rdb.RDB
	keys  keys.Keys
	tz    *time.Location
	clock func() time.Time
	owned bool // the go-redis client was made by NewFromURL
}

// Option configures a Client.
type Option func(*Client)

// WithKeyPrefix sets upstream's redbeat_key_prefix; the default is "redbeat:".
// Under Redis Cluster the prefix must hold a hash tag, such as "{redbeat}:".
func WithKeyPrefix(prefix string) Option { return func(c *Client) { c.keys.Prefix = prefix } }

// WithTimezone sets the Celery timezone of the beat that runs the entries
// (Celery's `timezone` setting, UTC by default). Crontab fields are local to it.
func WithTimezone(tz *time.Location) Option { return func(c *Client) { c.tz = tz } }

// WithClock replaces time.Now, to freeze time in tests.
func WithClock(now func() time.Time) Option { return func(c *Client) { c.clock = now } }

// New returns a Client on rc: a *redis.Client, a sentinel failover client, or a
// *redis.ClusterClient when the key prefix is hash-tagged (entry key and
// schedule key are written in one atomic step, so they must share a slot).
func New(rc redis.UniversalClient, opts ...Option) (*Client, error) {
	if isNil(rc) {
		return nil, &ValidationError{Path: "redis", Reason: "must be a go-redis client, not nil (NewFromURL connects by URL)"}
	}
	c := &Client{keys: keys.Keys{Prefix: keys.DefaultPrefix}, tz: time.UTC, clock: time.Now}
	for _, o := range opts {
		if o == nil {
			return nil, &ValidationError{Path: "options", Reason: "must not hold a nil Option"}
		}
		o(c)
	}
	// An empty prefix puts entries among every other key of the database, as bare names.
	if c.keys.Prefix == "" {
		return nil, &ValidationError{Path: "key_prefix", Reason: "must not be empty (the default is 'redbeat:')"}
	}
	if c.tz == nil {
		return nil, &ValidationError{Path: "timezone", Reason: "must not be nil"}
	}
	if c.clock == nil {
		return nil, &ValidationError{Path: "clock", Reason: "must not be nil"}
	}
	switch rc.(type) {
	case *redis.ClusterClient, *redis.Ring:
		if !keys.HashTagged(c.keys.Prefix) {
			return nil, fmt.Errorf("%w: prefix %q spreads entry keys and %q over several slots; use a prefix such as \"{redbeat}:\"",
				ErrClusterConfig, c.keys.Prefix, c.keys.Schedule())
		}
	}
	c.rdb = rdb.New(rc, c.keys)
	return c, nil
}

// NewFromURL connects to a single Redis server given as a URL:
// redis://[user:password@]host[:port][/db], rediss:// (TLS) or
// unix:///path/to/socket; Close closes that connection. A malformed URL or
// another scheme is a *URLError (errors.Is(err, ErrInvalidURL)). For Cluster or
// Sentinel, make the go-redis client and pass it to New.
func NewFromURL(url string, opts ...Option) (*Client, error) {
	o, err := parseURL(url)
	if err != nil {
		return nil, err
	}
	rc := redis.NewClient(o)
	c, err := New(rc, opts...)
	if err != nil {
		rc.Close()
		return nil, err
	}
	c.owned = true
	return c, nil
}

// isNil reports a nil interface or a typed nil go-redis client in it.
func isNil(rc redis.UniversalClient) bool {
	switch v := rc.(type) {
	case nil:
		return true
	case *redis.Client:
		return v == nil
	case *redis.ClusterClient:
		return v == nil
	case *redis.Ring:
		return v == nil
	}
	return false
}

// entryKey is the key of the entry named name, for every call that takes a
// name: an empty or reserved name is refused before Redis is asked (Delete of
// ":schedule" would otherwise delete the schedule itself).
func (c *Client) entryKey(name string) (string, error) {
	if err := checkName(name); err != nil {
		return "", err
	}
	if keys.Reserved(name) {
		return "", &ValidationError{Path: "name", Reason: "the key " + strconv.Quote(c.keys.Entry(name)) + " is the schedule's own"}
	}
	return c.keys.Entry(name), nil
}

// Close closes the Redis connection if NewFromURL opened it.
func (c *Client) Close() error {
	if c.owned {
		return c.rdb.Client().Close()
	}
	return nil
}

// KeyPrefix is the key prefix in use.
func (c *Client) KeyPrefix() string { return c.keys.Prefix }

// Key is the Redis key of the entry named name.
func (c *Client) Key(name string) string { return c.keys.Entry(name) }

// ScheduleKey is the Redis key of the schedule sorted set.
func (c *Client) ScheduleKey() string { return c.keys.Schedule() }

// Timezone is the beat timezone in use.
func (c *Client) Timezone() *time.Location { return c.tz }

func (c *Client) now() time.Time { return c.clock() }

func (c *Client) env() evalEnv { return evalEnv{tz: c.tz, now: c.now()} }
