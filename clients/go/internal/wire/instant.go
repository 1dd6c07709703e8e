package wire

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// The extension profile's instants (schema/extensions.schema.json, Instant):
// RFC 3339 with seconds and an explicit offset, at most microseconds. Python
// writes them with datetime.isoformat: the value's own offset, "Z" for UTC,
// six fraction digits only when there are microseconds.

var instantPattern = regexp.MustCompile(`^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?(Z|[+-][0-9]{2}:[0-9]{2})$`)

// AppendInstant writes t (truncated to the microsecond) as Python's
// encode_instant does. An offset with seconds, or a year outside 1-9999, has no
// such form and is refused.
func AppendInstant(dst []byte, t time.Time) ([]byte, error) {
	if y := t.Year(); y < 1 || y > 9999 {
		return dst, fmt.Errorf("year %d is outside 1-9999", y)
	}
	_, off := t.Zone()
	if off%60 != 0 {
		return dst, fmt.Errorf("its UTC offset %ds is not whole minutes", off)
	}
	dst = t.AppendFormat(dst, "2006-01-02T15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		dst = append(dst, '.')
		s := strconv.Itoa(us)
		for range 6 - len(s) {
			dst = append(dst, '0')
		}
		dst = append(dst, s...)
	}
	if off == 0 {
		return append(dst, 'Z'), nil
	}
	return t.AppendFormat(dst, "-07:00"), nil
}

// ParseInstant reads an instant the profile's pattern accepts, at its fixed
// offset (UTC for Z and +00:00, as Python reads it).
func ParseInstant(s string) (time.Time, error) {
	if !instantPattern.MatchString(s) {
		return time.Time{}, fmt.Errorf("%q is not an RFC 3339 instant with seconds and a UTC offset", s)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("not a valid instant: %v", err)
	}
	if _, off := t.Zone(); off == 0 {
		return t.UTC(), nil
	}
	_, off := t.Zone()
	return t.In(time.FixedZone("", off)), nil
}
