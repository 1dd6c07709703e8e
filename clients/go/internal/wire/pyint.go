package wire

import (
	"strings"
	"unicode"
)

// PyInt is an integer as Python's int() read it, kept small: crontab fields only
// need to know a value's size up to 2^20.
type PyInt struct {
	N    int  // the magnitude, when not Big
	Sign int  // -1, 0 (the value is zero) or 1
	Big  bool // larger than 2^20
}

// ParsePyInt parses s as Python's int(s) does in base 10: surrounding whitespace,
// an optional sign, Unicode decimal digits with single "_" between them. Celery
// reads crontab numbers and steps with int(), so this decides what a field accepts.
func ParsePyInt(s string) (PyInt, bool) {
	s = strings.TrimFunc(s, isPySpace)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return PyInt{}, false
	}
	var v PyInt
	prevUnderscore := true // a leading "_" is refused
	for _, r := range s {
		if r == '_' {
			if prevUnderscore {
				return PyInt{}, false
			}
			prevUnderscore = true
			continue
		}
		d, ok := decimalValue(r)
		if !ok {
			return PyInt{}, false
		}
		prevUnderscore = false
		if !v.Big {
			v.N = v.N*10 + d
			if v.N > 1<<20 {
				v.Big = true
			}
		}
	}
	if prevUnderscore {
		return PyInt{}, false
	}
	switch {
	case v.N == 0 && !v.Big:
		v.Sign = 0
	case neg:
		v.Sign = -1
	default:
		v.Sign = 1
	}
	return v, true
}

// isPySpace is the whitespace Python's int() strips: ASCII " \t\n\v\f\r" and, above
// U+007F, what str.isspace() calls space. That is Go's unicode.IsSpace: the ASCII
// separators U+001C..U+001F, spaces to str.isspace(), are not stripped by int().
func isPySpace(r rune) bool { return unicode.IsSpace(r) }

// decimalValue is the value of a Unicode decimal digit (category Nd). Nd digits
// come in runs of ten from zero, and Go's table keeps each run's start as Lo.
func decimalValue(r rune) (int, bool) {
	if r >= '0' && r <= '9' {
		return int(r - '0'), true
	}
	if !unicode.Is(unicode.Nd, r) {
		return 0, false
	}
	for _, rg := range unicode.Nd.R16 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10, true
		}
	}
	for _, rg := range unicode.Nd.R32 {
		if r >= rune(rg.Lo) && r <= rune(rg.Hi) {
			return int(r-rune(rg.Lo)) % 10, true
		}
	}
	return 0, false
}
