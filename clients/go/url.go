package redbeat

import (
	"errors"
	"net/url"
	"regexp"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/redbeat-sdk/redbeat-sdk/clients/go/internal/pyrepr"
)

// ErrInvalidURL: NewFromURL was given a malformed URL, or one whose scheme it
// does not connect with. The *URLError it comes in says which.
var ErrInvalidURL = errors.New("redbeat: invalid Redis URL")

// URLError is a URL NewFromURL cannot connect with; it matches ErrInvalidURL,
// and errors.As also finds it as a *ValidationError at path "url". URL has its
// password masked; Scheme is empty when the URL has none.
type URLError struct {
	URL    string
	Scheme string
	Reason string
}

func (e *URLError) Error() string { return "redbeat: invalid url: " + e.Reason }

func (e *URLError) Is(target error) bool { return target == ErrInvalidURL }

// As lets callers that handle every bad argument as a *ValidationError do so here too.
func (e *URLError) As(target any) bool {
	if ve, ok := target.(**ValidationError); ok {
		*ve = &ValidationError{Path: "url", Reason: e.Reason}
		return true
	}
	return false
}

// urlSchemes are the schemes go-redis's ParseURL takes: one server (a Cluster or
// Sentinel client is made with go-redis and passed to New).
var urlSchemes = []string{"redis", "rediss", "unix"}

const acceptedURLs = "use redis://[user:password@]host[:port][/db], rediss:// (TLS) or unix:///path/to/socket"

var schemeRE = regexp.MustCompile(`^([A-Za-z][A-Za-z0-9+.-]*)://`)

// parseURL checks rawURL and returns go-redis's options for it; a URL that
// cannot be used is a *URLError naming the problem and the accepted forms.
func parseURL(rawURL string) (*redis.Options, error) {
	shown := redactURL(rawURL)
	if strings.TrimSpace(rawURL) == "" {
		return nil, &URLError{URL: shown, Reason: "must be a Redis URL, not '': " + acceptedURLs}
	}
	m := schemeRE.FindStringSubmatch(rawURL)
	if m == nil {
		return nil, &URLError{URL: shown, Reason: "malformed URL " + pyrepr.Quote(shown) + " (no scheme://): " + acceptedURLs}
	}
	scheme := strings.ToLower(m[1])
	supported := false
	for _, s := range urlSchemes {
		supported = supported || s == scheme
	}
	if !supported {
		return nil, &URLError{URL: shown, Scheme: scheme, Reason: "unsupported scheme " + pyrepr.Quote(scheme) + " in " + pyrepr.Quote(shown) + ": " + acceptedURLs}
	}
	o, err := redis.ParseURL(rawURL)
	if err != nil {
		// A *url.Error prints the whole URL, password included: keep only its cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		why := strings.TrimPrefix(err.Error(), "redis: ")
		return nil, &URLError{URL: shown, Scheme: scheme, Reason: "malformed URL " + pyrepr.Quote(shown) + " (" + why + "): " + acceptedURLs}
	}
	return o, nil
}

var passwordRE = regexp.MustCompile(`:[^:@/]*@`)

// redactURL is rawURL with its password masked, for messages.
func redactURL(rawURL string) string {
	if u, err := url.Parse(rawURL); err == nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "***")
		}
		return u.String()
	}
	return passwordRE.ReplaceAllString(rawURL, ":***@")
}
