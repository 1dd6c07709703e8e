package rdb

import (
	"context"
	"os"
	"strconv"
	"testing"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/redistest"
)

var srv *redistest.Topology

func TestMain(m *testing.M) { os.Exit(redistest.Run(m, &srv)) }

func score(n int64) *int64 { return &n }

func TestCompareAndSetWritesAllOrNothing(t *testing.T) {
	redistest.Need(t, srv)
	ctx := context.Background()
	c := srv.Client()
	defer c.Close()
	r := New(c)
	sched := "cas::schedule"
	first := Update{Entry: "cas:a", Definition: Expect{Any: true}, SetDef: []byte(`{"d": 1}`), SetMeta: []byte(`{"m": 1}`), Score: score(10)}
	res, err := r.Apply(ctx, sched, []Update{first})
	if err != nil || !res[0].Applied {
		t.Fatalf("first save: %+v %v", res, err)
	}
	// A second first save finds the meta and writes nothing.
	again := first
	again.SetDef, again.Score = []byte(`{"d": 2}`), score(20)
	res, err = r.Apply(ctx, sched, []Update{again})
	if err != nil || res[0].Applied || res[0].Meta.Value != `{"m": 1}` {
		t.Fatalf("second first save: %+v %v", res, err)
	}
	if d := c.HGet(ctx, "cas:a", "definition").Val(); d != `{"d": 1}` {
		t.Fatalf("definition overwritten: %s", d)
	}
	// A stale expectation writes nothing and reports the current fields.
	stale := Update{Entry: "cas:a", Definition: Expect{Field: Field{Present: true, Value: `{"d": 0}`}}, Meta: Expect{Any: true}, SetDef: []byte(`{"d": 3}`), Score: score(30)}
	res, err = r.Apply(ctx, sched, []Update{stale})
	if err != nil || res[0].Applied || res[0].Definition.Value != `{"d": 1}` || res[0].Meta.Value != `{"m": 1}` {
		t.Fatalf("stale: %+v %v", res, err)
	}
	if s := c.ZScore(ctx, sched, "cas:a").Val(); s != 10 {
		t.Fatalf("score changed to %v", s)
	}
	// A current expectation applies.
	fresh := stale
	fresh.Definition = Expect{Field: Field{Present: true, Value: `{"d": 1}`}}
	fresh.Meta = Expect{Field: Field{Present: true, Value: `{"m": 1}`}}
	fresh.SetMeta = []byte(`{"m": 2}`)
	res, err = r.Apply(ctx, sched, []Update{fresh})
	if err != nil || !res[0].Applied || c.HGet(ctx, "cas:a", "meta").Val() != `{"m": 2}` || c.ZScore(ctx, sched, "cas:a").Val() != 30 {
		t.Fatalf("current: %+v %v", res, err)
	}
}

func TestLargeBatchesKeepOrder(t *testing.T) {
	redistest.Need(t, srv)
	ctx := context.Background()
	c := srv.Client()
	defer c.Close()
	r := New(c)
	c.ScriptFlush(ctx) // the first call must recover from NOSCRIPT
	sched := "big::schedule"
	var ups []Update
	for i := range 3*chunk + 7 {
		k := "big:" + strconv.Itoa(i)
		if i%5 == 0 {
			c.HSet(ctx, k, "meta", "existing-"+strconv.Itoa(i))
		}
		ups = append(ups, Update{Entry: k, Definition: Expect{Any: true}, SetDef: []byte("d" + strconv.Itoa(i)), SetMeta: []byte("m"), Score: score(int64(i))})
	}
	res, err := r.Apply(ctx, sched, ups)
	if err != nil {
		t.Fatal(err)
	}
	for i, rr := range res {
		if want := i%5 != 0; rr.Applied != want {
			t.Fatalf("%d: applied %v", i, rr.Applied)
		}
		if i%5 == 0 && rr.Meta.Value != "existing-"+strconv.Itoa(i) {
			t.Fatalf("%d: meta %q", i, rr.Meta.Value)
		}
	}
	if n := c.ZCard(ctx, sched).Val(); n != int64(len(ups)-(len(ups)+4)/5) {
		t.Fatalf("zcard %d", n)
	}
}
