package wire

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Member is one key of a JSON object with its raw value, in document order.
type Member struct {
	Key   string
	Value json.RawMessage
}

var errNotObject = errors.New("not a JSON object")

// Members splits a JSON object into its members, keeping their order. Python's
// json keeps the last of duplicated keys; so does Lookup.
func Members(raw []byte) ([]Member, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errNotObject
	}
	var out []Member
	for dec.More() {
		kt, err := dec.Token()
		if err != nil {
			return nil, err
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		out = append(out, Member{Key: kt.(string), Value: v})
	}
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("trailing data after the object")
	}
	return out, nil
}

// Lookup returns the last value stored under key.
func Lookup(ms []Member, key string) (json.RawMessage, bool) {
	for i := len(ms) - 1; i >= 0; i-- {
		if ms[i].Key == key {
			return ms[i].Value, true
		}
	}
	return nil, false
}

// Elements splits a JSON array into its raw elements.
func Elements(raw []byte) ([]json.RawMessage, error) {
	var out []json.RawMessage
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, err
	}
	return out, nil
}

// Kind is the first byte class of a raw JSON value: '{', '[', '"', 'n' (null),
// 't'/'f' (booleans) or '0' (a number).
func Kind(raw []byte) byte {
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return 0
	}
	switch c := raw[0]; c {
	case '{', '[', '"', 'n', 't', 'f':
		return c
	default:
		return '0'
	}
}

// Reformat re-writes any JSON value in Python's style, keeping key order and
// number literals as they are. Tagged objects are checked as upstream's decoder
// would read them: a datetime must be a valid datetime, and schedule or weekday
// objects have no meaning as task data (upstream turns them into objects a task
// message cannot carry).
func Reformat(dst []byte, raw []byte) ([]byte, error) {
	raw = bytes.TrimSpace(raw)
	if !json.Valid(raw) {
		return dst, &PathError{Reason: "not valid JSON"}
	}
	return reformat(dst, raw)
}

func reformat(dst []byte, raw []byte) ([]byte, error) {
	switch Kind(raw) {
	case '{':
		ms, err := Members(raw)
		if err != nil {
			return dst, &PathError{Reason: err.Error()}
		}
		if err := checkTagged(ms); err != nil {
			return dst, err
		}
		dst = append(dst, '{')
		for i, m := range ms {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst, _ = AppendString(dst, m.Key) // decoded JSON strings are valid UTF-8
			dst = append(dst, ": "...)
			if dst, err = reformat(dst, m.Value); err != nil {
				return dst, at(err, "."+m.Key)
			}
		}
		return append(dst, '}'), nil
	case '[':
		els, err := Elements(raw)
		if err != nil {
			return dst, &PathError{Reason: err.Error()}
		}
		dst = append(dst, '[')
		for i, e := range els {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			if dst, err = reformat(dst, e); err != nil {
				return dst, at(err, "["+strconv.Itoa(i)+"]")
			}
		}
		return append(dst, ']'), nil
	case '"':
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return dst, &PathError{Reason: err.Error()}
		}
		return AppendString(dst, s)
	default:
		return append(dst, bytes.TrimSpace(raw)...), nil
	}
}

// checkTagged refuses tagged objects that upstream's decoder would choke on or
// turn into something a task message cannot carry.
func checkTagged(ms []Member) error {
	tag, ok := Lookup(ms, "__type__")
	if !ok {
		return nil
	}
	var name string
	if json.Unmarshal(tag, &name) != nil {
		return nil // a non-string tag is plain data to upstream
	}
	switch name {
	case "datetime":
		if _, err := ParseDatetime(ms); err != nil {
			return err
		}
	case "interval", "crontab", "rrule", "weekday":
		return &PathError{Reason: fmt.Sprintf("a %q object cannot be task data", name)}
	}
	return nil
}
