// Package schemafiles embeds the wire contract (schema/*.json at the repository
// root, copied here by `make generate` because go:embed cannot reach outside the
// module) and compiles its two profiles with a JSON Schema 2020-12 validator.
package schemafiles

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// FS holds write.schema.json, read.schema.json, extensions.schema.json and layout.json.
//
//go:embed schema/*.json
var FS embed.FS

// Profile names a schema file.
type Profile string

const (
	Write Profile = "write.schema.json"
	Read  Profile = "read.schema.json"
	// Extensions is the extension profile: the extensions field (its root) and
	// the objects of its own keys ($defs).
	Extensions Profile = "extensions.schema.json"
)

var (
	once     sync.Once
	compiled map[Profile]*jsonschema.Schema
	compErr  error
)

// Schema returns a compiled profile.
func Schema(p Profile) (*jsonschema.Schema, error) {
	once.Do(func() {
		c := jsonschema.NewCompiler()
		compiled = map[Profile]*jsonschema.Schema{}
		for _, name := range []Profile{Write, Read, Extensions} {
			raw, err := FS.ReadFile("schema/" + string(name))
			if err != nil {
				compErr = err
				return
			}
			doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
			if err != nil {
				compErr = err
				return
			}
			if err := c.AddResource(string(name), doc); err != nil {
				compErr = err
				return
			}
		}
		for _, name := range []Profile{Write, Read, Extensions} {
			s, err := c.Compile(string(name))
			if err != nil {
				compErr = err
				return
			}
			compiled[name] = s
		}
	})
	return compiled[p], compErr
}

// ValidateHash checks an entry hash (the two fields as stored) against a profile:
// both fields are JSON-decoded into {"definition": ..., "meta": ...} first, an
// absent or empty meta left out.
func ValidateHash(p Profile, definition string, meta *string) error {
	s, err := Schema(p)
	if err != nil {
		return err
	}
	def, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(definition)))
	if err != nil {
		return fmt.Errorf("definition: %w", err)
	}
	doc := map[string]any{"definition": def}
	if meta != nil && *meta != "" {
		m, err := jsonschema.UnmarshalJSON(bytes.NewReader([]byte(*meta)))
		if err != nil {
			return fmt.Errorf("meta: %w", err)
		}
		doc["meta"] = m
	}
	return s.Validate(doc)
}

// Layout is schema/layout.json.
type Layout struct {
	SchemaVersion int               `json:"schema_version"`
	DefaultPrefix string            `json:"default_prefix"`
	Suffixes      map[string]string `json:"suffixes"`
	HashFields    []string          `json:"hash_fields"`
}

// LoadLayout parses the embedded layout.json.
func LoadLayout() (Layout, error) {
	var l Layout
	raw, err := FS.ReadFile("schema/layout.json")
	if err != nil {
		return l, err
	}
	return l, json.Unmarshal(raw, &l)
}

// Object is a $defs entry that declares properties: their names, and those it requires.
type Object struct {
	Properties []string
	Required   []string
}

// Objects lists the $defs entries of a profile that declare properties, so tests
// can prove the hand-written Go types write and read every one, by its name.
// The extension profile's root (the extensions field) is listed by its title.
func Objects(p Profile) (map[string]Object, error) {
	raw, err := FS.ReadFile("schema/" + string(p))
	if err != nil {
		return nil, err
	}
	type def struct {
		Properties map[string]json.RawMessage `json:"properties"`
		Required   []string                   `json:"required"`
	}
	var doc struct {
		def
		Title string         `json:"title"`
		Defs  map[string]def `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, err
	}
	if p == Extensions {
		doc.Defs[doc.Title] = doc.def
	}
	out := map[string]Object{}
	for name, d := range doc.Defs {
		if len(d.Properties) == 0 {
			continue
		}
		o := Object{Required: d.Required}
		for prop := range d.Properties {
			o.Properties = append(o.Properties, prop)
		}
		slices.Sort(o.Properties)
		out[name] = o
	}
	return out, nil
}
