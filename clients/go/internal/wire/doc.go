// Package wire writes and reads JSON exactly as upstream celery-redbeat does.
//
// Upstream stores both hash fields with Python's json.dumps and default settings:
// separators ", " and ": ", non-ASCII escaped as \uXXXX, keys in insertion order,
// floats in Python's repr. Readers are ordinary JSON parsers, so only golden tests
// care about bytes; writing them exactly keeps a Go write indistinguishable from an
// upstream one in a MONITOR trace or a byte diff. The package also converts the
// tagged datetime object to and from time.Time, since a datetime may appear anywhere
// in args, kwargs and options as well as in meta, and reads an integer as Python's
// int() does (ParsePyInt), which decides what a crontab field written for Celery may hold.
package wire
