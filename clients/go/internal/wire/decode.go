package wire

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// DecodeValue turns raw task data (args, kwargs, options) into Go values the way
// upstream's decoder does: tagged datetimes become time.Time wherever they are;
// numbers stay json.Number so that writing them back keeps their exact literal;
// objects become map[string]any, arrays []any.
func DecodeValue(raw []byte) (any, error) {
	switch Kind(raw) {
	case '{':
		ms, err := Members(raw)
		if err != nil {
			return nil, &PathError{Reason: err.Error()}
		}
		if tag, ok := Lookup(ms, "__type__"); ok && string(bytes.TrimSpace(tag)) == `"datetime"` {
			return ParseDatetime(ms)
		}
		out := make(map[string]any, len(ms))
		for _, m := range ms {
			v, err := DecodeValue(m.Value)
			if err != nil {
				return nil, at(err, "."+m.Key)
			}
			out[m.Key] = v
		}
		return out, nil
	case '[':
		els, err := Elements(raw)
		if err != nil {
			return nil, &PathError{Reason: err.Error()}
		}
		out := make([]any, len(els))
		for i, e := range els {
			if out[i], err = DecodeValue(e); err != nil {
				return nil, at(err, "["+strconv.Itoa(i)+"]")
			}
		}
		return out, nil
	case 0:
		return nil, &PathError{Reason: "empty value"}
	default:
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		var v any
		if err := dec.Decode(&v); err != nil {
			return nil, &PathError{Reason: err.Error()}
		}
		return v, nil
	}
}
