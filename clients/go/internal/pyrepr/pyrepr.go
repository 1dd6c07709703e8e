// Package pyrepr quotes text as Python's repr() does, so the Go client's
// reasons read exactly like the Python and TypeScript clients' for the same bad
// input ("unknown IANA time zone 'Nope/Zone'").
package pyrepr

import "strings"

var escapes = strings.NewReplacer(`\`, `\\`, "\n", `\n`, "\r", `\r`, "\t", `\t`)

// Quote is s in single quotes, or in double quotes when s holds a single quote
// and no double quote; backslashes and line breaks are escaped.
func Quote(s string) string {
	e := escapes.Replace(s)
	if strings.Contains(s, "'") && !strings.Contains(s, `"`) {
		return `"` + e + `"`
	}
	return "'" + strings.ReplaceAll(e, "'", `\'`) + "'"
}
