package redbeat

import (
	"time"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/wire"
)

// LoadTimezone is the location of an IANA zone name, such as the value of
// Celery's `timezone` setting, for WithTimezone. It resolves names as
// upstream's Python does: unlike time.LoadLocation it refuses "" and "Local"
// (which Go reads as UTC and the process's zone). An unknown name is a
// *ValidationError at "timezone": "unknown IANA time zone 'Nope/Zone'".
func LoadTimezone(name string) (*time.Location, error) {
	loc, err := wire.LoadZone(name)
	if err != nil {
		return nil, &ValidationError{Path: "timezone", Reason: err.Error()}
	}
	return loc, nil
}
