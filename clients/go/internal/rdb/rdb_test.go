package rdb

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/keys"
	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/redistest"
)

var srv *redistest.Topology

func TestMain(m *testing.M) { os.Exit(redistest.Run(m, &srv)) }

// open gives a test an RDB for the schedule under prefix, and its raw client.
func open(t *testing.T, prefix string) (context.Context, *redis.Client, keys.Keys, *RDB) {
	t.Helper()
	redistest.Need(t, srv)
	c := srv.Client()
	t.Cleanup(func() { c.Close() })
	k := keys.Keys{Prefix: prefix}
	return context.Background(), c, k, New(c, k)
}

// Every script this package runs is, byte for byte, its file in the
// repository's lua/ folder: the same SHA1 the other languages load.
func TestScriptsAreTheFilesOfTheSharedFolder(t *testing.T) {
	embedded, err := Lua.ReadDir("lua")
	if err != nil || len(embedded) != len(Scripts) {
		t.Fatalf("embedded %v (%v), scripts %v", embedded, err, Scripts)
	}
	for name, s := range Scripts {
		src, err := os.ReadFile(filepath.Join("..", "..", "..", "..", "lua", name+".lua"))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha1.Sum(src)
		if want := hex.EncodeToString(sum[:]); s.Hash() != want {
			t.Errorf("%s: sha %s, lua/%s.lua has %s", name, s.Hash(), name, want)
		}
	}
}

func TestSaveWritesFirstSavesAndKeepsStoredMeta(t *testing.T) {
	ctx, c, k, r := open(t, "cas:")
	first := Save{Entry: "cas:a", Definition: []byte(`{"d": 1}`), FirstMeta: []byte(`{"m": 1}`), FirstScore: 10, Score: 99}
	res, err := r.SaveMany(ctx, []Save{first})
	if err != nil || !res[0].Applied {
		t.Fatalf("first save: %+v %v", res, err)
	}
	// A second first save finds the meta, writes nothing and returns it.
	again := first
	again.Definition, again.FirstScore = []byte(`{"d": 2}`), 20
	res, err = r.SaveMany(ctx, []Save{again})
	if err != nil || res[0].Applied || res[0].Meta != `{"m": 1}` {
		t.Fatalf("second first save: %+v %v", res, err)
	}
	if d := c.HGet(ctx, "cas:a", "definition").Val(); d != `{"d": 1}` {
		t.Fatalf("definition overwritten: %s", d)
	}
	// Scored from the stored meta, it keeps that meta and writes the score given for it.
	again.Expected = Field{Present: true, Value: `{"m": 1}`}
	res, err = r.SaveMany(ctx, []Save{again})
	if err != nil || !res[0].Applied {
		t.Fatalf("re-save: %+v %v", res, err)
	}
	if m, s := c.HGet(ctx, "cas:a", "meta").Val(), c.ZScore(ctx, k.Schedule(), "cas:a").Val(); m != `{"m": 1}` || s != 99 {
		t.Fatalf("re-save wrote meta %s score %v", m, s)
	}
}

func TestUpdateWritesOnlyOverWhatWasRead(t *testing.T) {
	ctx, c, k, r := open(t, "up:")
	c.HSet(ctx, "up:a", "definition", `{"d": 1}`, "meta", `{"m": 1}`)
	c.ZAdd(ctx, k.Schedule(), redis.Z{Score: 10, Member: "up:a"})
	read, err := r.Load(ctx, "up:a")
	if err != nil || *read.Score != 10 {
		t.Fatalf("load: %+v %v", read, err)
	}
	score := int64(30)
	stale := read
	stale.Definition.Value = `{"d": 0}`
	applied, now, err := r.Update(ctx, "up:a", stale, Change{Definition: []byte(`{"d": 3}`), Score: &score})
	if err != nil || applied || now.Definition.Value != `{"d": 1}` || now.Meta.Value != `{"m": 1}` {
		t.Fatalf("stale: %v %+v %v", applied, now, err)
	}
	if s := c.ZScore(ctx, k.Schedule(), "up:a").Val(); s != 10 {
		t.Fatalf("score changed to %v", s)
	}
	applied, _, err = r.Update(ctx, "up:a", now, Change{Meta: []byte(`{"m": 2}`), Score: &score})
	if err != nil || !applied || c.HGet(ctx, "up:a", "meta").Val() != `{"m": 2}` || c.HGet(ctx, "up:a", "definition").Val() != `{"d": 1}` || c.ZScore(ctx, k.Schedule(), "up:a").Val() != 30 {
		t.Fatalf("current: %v %v", applied, err)
	}
	existed, err := r.Delete(ctx, "up:a")
	if err != nil || !existed || c.Exists(ctx, "up:a").Val() != 0 || c.ZCard(ctx, k.Schedule()).Val() != 0 {
		t.Fatalf("delete: %v %v", existed, err)
	}
	if existed, err = r.Delete(ctx, "up:a"); err != nil || existed {
		t.Fatalf("second delete: %v %v", existed, err)
	}
}

func TestLargeBatchesKeepOrder(t *testing.T) {
	ctx, c, k, r := open(t, "big:")
	c.ScriptFlush(ctx) // the first call must recover from NOSCRIPT
	var saves []Save
	for i := range 3*chunk + 7 {
		key := "big:" + strconv.Itoa(i)
		if i%5 == 0 {
			c.HSet(ctx, key, "meta", "existing-"+strconv.Itoa(i))
		}
		saves = append(saves, Save{Entry: key, Definition: []byte("d" + strconv.Itoa(i)), FirstMeta: []byte("m"), FirstScore: int64(i)})
	}
	res, err := r.SaveMany(ctx, saves)
	if err != nil {
		t.Fatal(err)
	}
	for i, rr := range res {
		if want := i%5 != 0; rr.Applied != want {
			t.Fatalf("%d: applied %v", i, rr.Applied)
		}
		if i%5 == 0 && rr.Meta != "existing-"+strconv.Itoa(i) {
			t.Fatalf("%d: meta %q", i, rr.Meta)
		}
	}
	if n := c.ZCard(ctx, k.Schedule()).Val(); n != int64(len(saves)-(len(saves)+4)/5) {
		t.Fatalf("zcard %d", n)
	}
}
