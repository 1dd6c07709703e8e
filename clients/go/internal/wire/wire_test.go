package wire

import (
	"encoding/json"
	"math"
	"testing"
	"time"
)

func TestAppendFloatIsPythonRepr(t *testing.T) {
	// Expected strings are Python 3.11's repr() of the same floats.
	cases := map[float64]string{
		5: "5.0", 2.5: "2.5", 600: "600.0", 0: "0.0", math.Copysign(0, -1): "-0.0", -18000: "-18000.0",
		0.1: "0.1", 1e16: "1e+16", 1.5e16: "1.5e+16", 1e15: "1000000000000000.0", 1e-5: "1e-05",
		0.0001: "0.0001", 123456789012345.6: "123456789012345.6", 1e100: "1e+100", -300: "-300.0", 1.0 / 3: "0.3333333333333333",
	}
	for f, want := range cases {
		got, err := AppendFloat(nil, f)
		if err != nil || string(got) != want {
			t.Errorf("%v: got %s (%v), want %s", f, got, err, want)
		}
	}
	if _, err := AppendFloat(nil, math.NaN()); err == nil {
		t.Error("NaN accepted")
	}
}

func TestAppendStringEscapesLikeEnsureASCII(t *testing.T) {
	// Expected strings are json.dumps(s) in Python.
	cases := map[string]string{
		"été":          `"\u00e9t\u00e9"`,
		"😀":            `"\ud83d\ude00"`,
		"a\"b\\c":      `"a\"b\\c"`,
		"\n\r\t\b\f":   `"\n\r\t\b\f"`,
		"\x00\x1f\x7f": `"\u0000\u001f\u007f"`,
		"/<>&":         `"/<>&"`,
	}
	for s, want := range cases {
		got, err := AppendString(nil, s)
		if err != nil || string(got) != want {
			t.Errorf("%q: got %s, want %s", s, got, want)
		}
	}
	if _, err := AppendString(nil, "\xff"); err == nil {
		t.Error("invalid UTF-8 accepted")
	}
}

func TestReformatKeepsOrderAndLiterals(t *testing.T) {
	got, err := Reformat(nil, []byte(`{"b":1.50,"a":[1e2,{"é":null}]}`))
	if err != nil || string(got) != `{"b": 1.50, "a": [1e2, {"\u00e9": null}]}` {
		t.Errorf("got %s %v", got, err)
	}
	if _, err := Reformat(nil, []byte(`{"__type__": "interval", "every": 5}`)); err == nil {
		t.Error("a schedule object was accepted as task data")
	}
}

func TestDatetimeRoundTrip(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	for _, tm := range []time.Time{
		time.Date(2025, 1, 15, 12, 0, 0, 123456000, time.UTC),
		time.Date(2025, 11, 2, 1, 30, 0, 0, ny).Add(time.Hour), // second 01:30 (fold 1) is not representable: reads as the first
		time.Date(2025, 7, 1, 9, 0, 0, 0, time.FixedZone("", -5*3600)),
	} {
		raw, err := AppendDatetime(nil, tm)
		if err != nil {
			t.Fatal(err)
		}
		back, err := DatetimeFromRaw(raw)
		if err != nil {
			t.Fatal(err)
		}
		ms, _ := Members(raw)
		zone, _ := Lookup(ms, "timezone")
		var z any
		json.Unmarshal(zone, &z)
		t.Logf("%v -> %s -> %v", tm, raw, back)
		if tm.Location() == ny && tm.Hour() == 1 {
			// Python reads a repeated wall time as its first occurrence, one hour earlier.
			if !back.Equal(tm.Add(-time.Hour)) {
				t.Errorf("fold: %v", back)
			}
			continue
		}
		if !back.Equal(tm) {
			t.Errorf("%v read back as %v", tm, back)
		}
	}
}

func TestParseDatetimeRefusesWhatUpstreamCrashesOn(t *testing.T) {
	for _, raw := range []string{
		`{"__type__": "datetime", "year": 2025, "month": 1, "day": 1, "timezone": "+01:00"}`,
		`{"__type__": "datetime", "year": 2025, "month": 1, "day": 1, "timezone": null}`,
		`{"__type__": "datetime", "year": 2025, "month": 1, "day": 1, "timezone": "Local"}`,
		`{"__type__": "datetime", "year": 2025, "month": 2, "day": 30}`,
		`{"__type__": "datetime", "year": 2025, "month": 1, "day": 1, "tz": "UTC"}`,
		`{"__type__": "datetime", "year": 2025, "month": 1, "day": 1.0}`,
	} {
		if _, err := DatetimeFromRaw([]byte(raw)); err == nil {
			t.Errorf("accepted %s", raw)
		}
	}
	got, err := DatetimeFromRaw([]byte(`{"__type__": "datetime", "year": 2025, "month": 1, "day": 15, "hour": 12, "minute": 59, "timezone": 3600}`))
	if err != nil || !got.Equal(time.Date(2025, 1, 15, 11, 59, 0, 0, time.UTC)) {
		t.Errorf("numeric zone: %v %v", got, err)
	}
}
