package pyrepr

import "testing"

// The expected texts are what Python 3's repr() prints for the same strings.
func TestQuoteIsPythonsRepr(t *testing.T) {
	for in, want := range map[string]string{
		"Nope/Zone": `'Nope/Zone'`,
		"":          `''`,
		"it's":      `"it's"`,
		`a'b"c`:     `'a\'b"c'`,
		"x\ny\\z":   `'x\ny\\z'`,
	} {
		if got := Quote(in); got != want {
			t.Errorf("Quote(%q) = %s, want %s", in, got, want)
		}
	}
}
