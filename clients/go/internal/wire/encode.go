package wire

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// PathError is a value that cannot be written. Path is relative to the value
// handed to the encoder ("" for the value itself, "[2]", ".k.x").
type PathError struct {
	Path   string
	Reason string
}

func (e *PathError) Error() string {
	if e.Path == "" {
		return e.Reason
	}
	return e.Path + ": " + e.Reason
}

// at puts prefix in front of the error's path.
func at(err error, prefix string) error {
	if pe, ok := err.(*PathError); ok {
		return &PathError{Path: prefix + pe.Path, Reason: pe.Reason}
	}
	return err
}

const hexDigits = "0123456789abcdef"

// AppendString writes s as json.dumps(ensure_ascii=True) does: every code point
// outside printable ASCII becomes \uXXXX (lowercase hex, surrogate pairs above
// U+FFFF). Invalid UTF-8 has no Python equivalent and is refused.
func AppendString(dst []byte, s string) ([]byte, error) {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			if c == '"' || c == '\\' {
				dst = append(dst, '\\')
			}
			dst = append(dst, c)
			i++
			continue
		}
		if c < utf8.RuneSelf {
			switch c {
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			default:
				dst = appendU(dst, rune(c))
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			return dst, &PathError{Reason: fmt.Sprintf("invalid UTF-8 at byte %d", i)}
		}
		if r > 0xffff {
			r -= 0x10000
			dst = appendU(dst, 0xd800+(r>>10))
			dst = appendU(dst, 0xdc00+(r&0x3ff))
		} else {
			dst = appendU(dst, r)
		}
		i += size
	}
	return append(dst, '"'), nil
}

func appendU(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', hexDigits[r>>12&0xf], hexDigits[r>>8&0xf], hexDigits[r>>4&0xf], hexDigits[r&0xf])
}

// AppendFloat writes f as Python's float repr: the shortest round-trip digits,
// always with a fraction or an exponent (5 -> 5.0, 1e16 -> 1e+16, 1e-5 -> 1e-05).
// NaN and infinities are not JSON and are refused.
func AppendFloat(dst []byte, f float64) ([]byte, error) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return dst, &PathError{Reason: fmt.Sprintf("%v is not a JSON number", f)}
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e15 && f != 0 {
		// A whole number below 1e16 prints as itself plus ".0" (5 -> 5.0).
		return append(strconv.AppendInt(dst, int64(f), 10), '.', '0'), nil
	}
	if f == 0 {
		if math.Signbit(f) {
			return append(dst, "-0.0"...), nil
		}
		return append(dst, "0.0"...), nil
	}
	// The decimal exponent of the shortest representation decides the notation,
	// as in Python's float_repr_style "short": fixed for 1e-4 <= |f| < 1e16.
	e := strconv.AppendFloat(nil, f, 'e', -1, 64)
	exp, _ := strconv.Atoi(string(e[bytes.IndexByte(e, 'e')+1:]))
	if exp < -4 || exp >= 16 {
		return append(dst, e...), nil
	}
	start := len(dst)
	dst = strconv.AppendFloat(dst, f, 'f', -1, 64)
	if bytes.IndexByte(dst[start:], '.') < 0 {
		dst = append(dst, '.', '0')
	}
	return dst, nil
}

// AppendValue writes a Go value holding JSON data (args, kwargs, options).
// Maps are written with sorted keys (a Go map has no order); json.RawMessage keeps
// its own key order; time.Time becomes a tagged datetime object; any other value
// goes through encoding/json first and is then re-written in Python's style.
func AppendValue(dst []byte, v any) ([]byte, error) {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		if x {
			return append(dst, "true"...), nil
		}
		return append(dst, "false"...), nil
	case string:
		return AppendString(dst, x)
	case int, int8, int16, int32, int64:
		return strconv.AppendInt(dst, reflect.ValueOf(x).Int(), 10), nil
	case uint, uint8, uint16, uint32, uint64:
		return strconv.AppendUint(dst, reflect.ValueOf(x).Uint(), 10), nil
	case float32:
		return AppendFloat(dst, float64(x))
	case float64:
		return AppendFloat(dst, x)
	case json.Number:
		if !isJSONNumber(string(x)) {
			return dst, &PathError{Reason: fmt.Sprintf("%q is not a JSON number", string(x))}
		}
		return append(dst, x...), nil
	case json.RawMessage:
		return Reformat(dst, x)
	case time.Time:
		return AppendDatetime(dst, x)
	case *time.Time:
		if x == nil {
			return append(dst, "null"...), nil
		}
		return AppendDatetime(dst, *x)
	case []any:
		return appendSlice(dst, x)
	case map[string]any:
		return appendMap(dst, x)
	case []string:
		return appendSlice(dst, x)
	case []int:
		return appendSlice(dst, x)
	case []int64:
		return appendSlice(dst, x)
	case []float64:
		return appendSlice(dst, x)
	case map[string]string:
		return appendMap(dst, x)
	}
	// Typed nil pointers, slices and maps are JSON null, as encoding/json writes them.
	if rv := reflect.ValueOf(v); (rv.Kind() == reflect.Pointer || rv.Kind() == reflect.Map || rv.Kind() == reflect.Slice) && rv.IsNil() {
		return append(dst, "null"...), nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return dst, &PathError{Reason: fmt.Sprintf("cannot encode %T: %v", v, err)}
	}
	return Reformat(dst, raw)
}

func appendSlice[T any](dst []byte, xs []T) ([]byte, error) {
	if xs == nil {
		return append(dst, "null"...), nil
	}
	dst = append(dst, '[')
	for i, x := range xs {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		var err error
		if dst, err = AppendValue(dst, x); err != nil {
			return dst, at(err, "["+strconv.Itoa(i)+"]")
		}
	}
	return append(dst, ']'), nil
}

// appendMap writes an object with its keys sorted (a Go map has no order).
func appendMap[V any](dst []byte, m map[string]V) ([]byte, error) {
	if m == nil {
		return append(dst, "null"...), nil
	}
	var one [1]string
	keys := one[:0]
	if len(m) > 1 {
		keys = make([]string, 0, len(m))
	}
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	dst = append(dst, '{')
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ", "...)
		}
		var err error
		if dst, err = AppendString(dst, k); err != nil {
			return dst, at(err, "."+k)
		}
		dst = append(dst, ": "...)
		if dst, err = AppendValue(dst, m[k]); err != nil {
			return dst, at(err, "."+k)
		}
	}
	return append(dst, '}'), nil
}

// isJSONNumber reports whether s is a JSON number literal.
func isJSONNumber(s string) bool {
	return json.Valid([]byte(s)) && s != "" && (s[0] == '-' || (s[0] >= '0' && s[0] <= '9'))
}
