package wire

import "testing"

func TestParsePyIntReadsWhatPythonIntReads(t *testing.T) {
	// Expected values are Python 3.11's int(s); ok=false where int() raises ValueError.
	cases := []struct {
		s  string
		ok bool
		v  PyInt
	}{
		{" 7 ", true, PyInt{N: 7, Sign: 1}},
		{"+0", true, PyInt{}},
		{"-0", true, PyInt{}},
		{"-5", true, PyInt{N: 5, Sign: -1}},
		{"1_000", true, PyInt{N: 1000, Sign: 1}},
		{"\u0663", true, PyInt{N: 3, Sign: 1}},
		{"\u0661_\u0662", true, PyInt{N: 12, Sign: 1}},
		{"\U0001d7d5", true, PyInt{N: 7, Sign: 1}},
		{"\u00a042\u3000", true, PyInt{N: 42, Sign: 1}},
		{"\u008542", true, PyInt{N: 42, Sign: 1}},
		{"99999999999", true, PyInt{N: 1<<20 + 1, Sign: 1, Big: true}},
		// str.isspace() holds for U+001C..U+001F, but int() strips only ASCII whitespace below U+0080
		{"\x1c12", false, PyInt{}},
		{"12\x1f", false, PyInt{}},
		{"_1", false, PyInt{}},
		{"1_", false, PyInt{}},
		{"1__0", false, PyInt{}},
		{"", false, PyInt{}},
		{"+", false, PyInt{}},
		{"1.0", false, PyInt{}},
		{"0x10", false, PyInt{}},
	}
	for _, c := range cases {
		v, ok := ParsePyInt(c.s)
		if ok != c.ok || ok && (v.Sign != c.v.Sign || v.Big != c.v.Big || !v.Big && v.N != c.v.N) {
			t.Errorf("ParsePyInt(%q) = %+v, %v; want %+v, %v", c.s, v, ok, c.v, c.ok)
		}
	}
}
