// Package acpjson decodes ACP request bodies strictly and reports problems
// as commerce EINVALID errors whose Param is the JSONPath of the offending
// field, for the per-version codecs (acp20250929, acp20260417).
package acpjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"agentshop/internal/commerce"
)

// MaxQuantity bounds quantities before they reach int64 arithmetic; the
// domain applies the shop's real, much lower limit.
const MaxQuantity = 1_000_000

// DecodeAt unmarshals raw, the JSON value found at path, into v. Type
// mismatches become EINVALID errors naming the field; malformed JSON
// becomes an EINVALID error with param "$"; a string holding U+0000,
// anywhere in raw, an EINVALID error naming it (see [CheckText]).
func DecodeAt(raw []byte, path string, v any) error {
	if err := json.Unmarshal(raw, v); err != nil {
		return jsonError(err, path)
	}
	return CheckText(raw, path)
}

func jsonError(err error, path string) error {
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		p := path
		if te.Field != "" {
			p += "." + te.Field
		}
		return commerce.Invalid(p, "%s must be %s, not %s.", p, kind(te.Type), article(te.Value))
	}
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return &commerce.Error{Code: commerce.EINVALID, Param: "$", Message: "The request body is not valid JSON: " + se.Error() + ".", Err: err}
	}
	return &commerce.Error{Code: commerce.EINVALID, Param: path, Message: "The value at " + path + " cannot be read.", Err: err}
}

// kind names the JSON type a Go type decodes from.
func kind(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "a value"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		if t == reflect.TypeFor[json.RawMessage]() {
			return "a value"
		}
		return "an Array"
	}
	return "an object"
}

func article(jsonType string) string {
	switch jsonType {
	case "Array", "object":
		return "an " + jsonType
	case "":
		return "that"
	}
	return "a " + jsonType
}

// Present reports whether a raw field was sent with a non-null value.
func Present(raw json.RawMessage) bool {
	return len(raw) > 0 && !bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// Array decodes raw as a JSON Array at path.
func Array(raw json.RawMessage, path string) ([]json.RawMessage, error) {
	var elems []json.RawMessage
	if err := DecodeAt(raw, path, &elems); err != nil {
		return nil, err
	}
	return elems, nil
}

// Quantity parses a JSON number that must be a whole number ≥ 1. It
// accepts 2.0 (some agents serialize integers as floats) and rejects 0,
// negatives, fractions and non-numbers.
func Quantity(raw json.RawMessage, path string) (int64, error) {
	// json.Number also decodes a quoted "2"; only a JSON number will do.
	raw = bytes.TrimSpace(raw)
	var n json.Number
	if len(raw) == 0 || raw[0] == '"' || json.Unmarshal(raw, &n) != nil || n == "" {
		return 0, commerce.Invalid(path, "Quantity must be a whole number of at least 1.")
	}
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		if i < 1 {
			return 0, commerce.Invalid(path, "Quantity must be a whole number of at least 1, not %d.", i)
		}
		if i > MaxQuantity {
			return 0, commerce.Invalid(path, "Quantity %d is too large.", i)
		}
		return i, nil
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || f != math.Trunc(f) || f < 1 {
		return 0, commerce.Invalid(path, "Quantity must be a whole number of at least 1, not %s.", n)
	}
	if f > MaxQuantity {
		return 0, commerce.Invalid(path, "Quantity %s is too large.", n)
	}
	return int64(f), nil
}

// Required returns an EINVALID error for a missing field.
func Required(path string) error {
	return commerce.Invalid(path, "%s is Required.", path)
}

// NonEmpty returns *s, or a Required error when it is nil or empty.
func NonEmpty(s *string, path string) (string, error) {
	if s == nil || *s == "" {
		return "", Required(path)
	}
	return *s, nil
}

// CheckText returns an EINVALID error naming the first string in raw, a
// JSON value found at path, that holds U+0000: PostgreSQL stores no NUL in
// text or jsonb, and no shop field needs one, so such a request is refused
// on every store before it reaches one. An object key holding U+0000 is
// reported at the object's path. Lone surrogates (\ud800) need no check:
// encoding/json decodes them, like invalid UTF-8, as U+FFFD. raw that is
// not valid JSON passes; decoding it reports that.
func CheckText(raw []byte, path string) error {
	// A NUL can only be written \u0000 (a raw control byte is not JSON).
	if !bytes.Contains(raw, []byte(`\u0000`)) {
		return nil
	}
	p, ok := nulPath(raw, path)
	if !ok {
		return nil
	}
	return commerce.Invalid(p, "%s holds the character U+0000, which is not allowed in any field.", p)
}

// nulPath returns the path of the first string in raw holding a NUL,
// visiting object members in key order.
func nulPath(raw []byte, path string) (string, bool) {
	var v any
	if json.Unmarshal(raw, &v) != nil {
		return "", false
	}
	return nulIn(v, path)
}

func nulIn(v any, path string) (string, bool) {
	switch v := v.(type) {
	case string:
		return path, strings.ContainsRune(v, 0)
	case []any:
		for i, e := range v {
			if p, ok := nulIn(e, fmt.Sprintf("%s[%d]", path, i)); ok {
				return p, true
			}
		}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if strings.ContainsRune(k, 0) {
				return path, true
			}
			if p, ok := nulIn(v[k], member(path, k)); ok {
				return p, true
			}
		}
	}
	return "", false
}

// member is the JSONPath of member k of the object at path: $.k for a
// name, $['k'] otherwise.
func member(path, k string) string {
	name := k != ""
	for i, r := range k {
		if !(r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && r >= '0' && r <= '9') {
			name = false
			break
		}
	}
	if name {
		return path + "." + k
	}
	return path + "['" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(k) + "']"
}
