package rdb

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/redis/go-redis/v9"
)

// ErrConnection matches every error of a Redis that could not be reached or
// used: refused or broken connections, timeouts, a refused login, a failed TLS
// handshake. Nothing is known to be written when it is returned.
var ErrConnection = errors.New("redbeat: redis connection failed")

// ConnectionError says which of those it was; it matches ErrConnection and
// unwraps to the go-redis (or net, tls) error.
type ConnectionError struct {
	What string // "unreachable", "login refused", "certificate not trusted", "TLS failed"
	Err  error
}

func (e *ConnectionError) Error() string {
	hint := ""
	switch e.What {
	case "login refused":
		hint = " (check the user and password in the URL)"
	case "certificate not trusted":
		hint = " (check the CA the TLS config trusts)"
	}
	return "redbeat: redis " + e.What + hint + ": " + e.Err.Error()
}

func (e *ConnectionError) Unwrap() []error { return []error{ErrConnection, e.Err} }

// connErr wraps err in a *ConnectionError when it is one; other errors (and
// nil) pass through unchanged.
func connErr(err error) error {
	if err == nil || errors.Is(err, ErrConnection) {
		return err
	}
	if what := connectionTrouble(err); what != "" {
		return &ConnectionError{What: what, Err: err}
	}
	return err
}

func connectionTrouble(err error) string {
	var unknownAuthority x509.UnknownAuthorityError
	var verification *tls.CertificateVerificationError
	var hostname x509.HostnameError
	var record tls.RecordHeaderError
	var netErr net.Error
	msg := err.Error()
	switch {
	case errors.As(err, &unknownAuthority), errors.As(err, &verification), errors.As(err, &hostname):
		return "certificate not trusted"
	case errors.As(err, &record):
		return "TLS failed"
	case strings.HasPrefix(msg, "WRONGPASS"), strings.HasPrefix(msg, "NOAUTH"):
		return "login refused"
	case errors.As(err, &netErr), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE),
		errors.Is(err, redis.ErrClosed), errors.Is(err, redis.ErrPoolTimeout), errors.Is(err, context.DeadlineExceeded):
		return "unreachable"
	}
	return ""
}
