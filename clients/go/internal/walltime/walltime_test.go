package walltime

import (
	"testing"
	"time"
)

func TestPythonFoldRules(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	utc := func(s string) time.Time { v, _ := time.Parse(time.RFC3339, s); return v }
	cases := []struct {
		w    Wall
		want time.Time
	}{
		{Date(2025, 3, 9, 2, 30, 0, 0), utc("2025-03-09T07:30:00Z")},                      // gap, fold 0: offset before
		{Wall{T: Date(2025, 3, 9, 2, 30, 0, 0).T, Fold: 1}, utc("2025-03-09T06:30:00Z")},  // gap, fold 1: offset after
		{Date(2025, 11, 2, 1, 30, 0, 0), utc("2025-11-02T05:30:00Z")},                     // repeated, first
		{Wall{T: Date(2025, 11, 2, 1, 30, 0, 0).T, Fold: 1}, utc("2025-11-02T06:30:00Z")}, // repeated, second
		{Date(2025, 1, 15, 7, 0, 0, 0), utc("2025-01-15T12:00:00Z")},
	}
	for _, c := range cases {
		if got := Resolve(c.w, ny); !got.Equal(c.want) {
			t.Errorf("%v fold %d: %v, want %v", c.w.T, c.w.Fold, got.UTC(), c.want)
		}
	}
	if w := Of(utc("2025-11-02T06:30:00Z"), ny); w.Fold != 1 || w.T.Hour() != 1 {
		t.Errorf("second 01:30: %+v", w)
	}
	if w := Of(utc("2025-11-02T05:30:00Z"), ny); w.Fold != 0 {
		t.Errorf("first 01:30: %+v", w)
	}
	if Exists(Date(2025, 3, 9, 2, 30, 0, 0), ny) || !Exists(Date(2025, 3, 9, 3, 30, 0, 0), ny) {
		t.Error("Exists")
	}
	if r := ResolveImaginary(Date(2025, 3, 9, 2, 30, 0, 0), ny); r.T.Hour() != 3 {
		t.Errorf("ResolveImaginary %v", r.T)
	}
}
