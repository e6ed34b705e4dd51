package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"reflect"
	"strings"
	"unicode/utf8"

	"github.com/go-playground/validator/v10"
	"github.com/labstack/echo/v4"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// bind reads the JSON body of c into req and checks its shape: every handler that
// takes a body calls it first.
func bind(c echo.Context, req any) error {
	if err := c.Bind(req); err != nil {
		return err
	}
	if field, ok := badText(reflect.ValueOf(req), ""); ok {
		return malformedField(field, "contains a NUL character or invalid UTF-8, which cannot be stored")
	}
	return c.Validate(req)
}

// storable reports whether s can be kept by both databases: valid UTF-8 without
// NUL characters, which PostgreSQL refuses in text.
func storable(s string) bool { return utf8.ValidString(s) && !strings.ContainsRune(s, 0) }

// badText finds the first string in v, a decoded request, that is not storable,
// and returns its JSON path.
func badText(v reflect.Value, path string) (string, bool) {
	join := func(name string) string {
		if path == "" {
			return name
		}
		return path + "." + name
	}
	switch v.Kind() {
	case reflect.String:
		return path, !storable(v.String())
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return badText(v.Elem(), path)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			p := path // embedded structs share their parent's path
			if !f.Anonymous {
				p = join(name)
			}
			if field, bad := badText(v.Field(i), p); bad {
				return field, true
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if field, bad := badText(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); bad {
				return field, true
			}
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			k := iter.Key().String()
			if !storable(k) {
				return join(k), true
			}
			if field, bad := badText(iter.Value(), join(k)); bad {
				return field, true
			}
		}
	}
	return "", false
}

// rejectBadURLs refuses, before routing, a path or query parameter that no
// database could compare with what it stores.
func rejectBadURLs(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !storable(c.Request().URL.Path) {
			return survey.Errorf(survey.NotFound, "nothing is found at a path with a NUL character or invalid UTF-8")
		}
		query, err := parseQuery(c.Request().URL.RawQuery)
		if err != nil {
			return err
		}
		for name, values := range query {
			for _, v := range values {
				if !storable(name) || !storable(v) {
					return queryError(name, "contains a NUL character or invalid UTF-8")
				}
			}
		}
		return next(c)
	}
}

// parseQuery parses a query string as url.ParseQuery does, but refuses what that
// would drop silently (a bad %-escape, a semicolon), naming the parameter.
func parseQuery(raw string) (url.Values, error) {
	q, err := url.ParseQuery(raw)
	if err == nil {
		return q, nil
	}
	for pair := range strings.SplitSeq(raw, "&") {
		name, value, _ := strings.Cut(pair, "=")
		if n, err := url.QueryUnescape(name); err == nil {
			name = n
		}
		switch {
		case strings.Contains(pair, ";"):
			return nil, queryError(name, "contains a semicolon; separate parameters with & and escape ; as %3B")
		case !validEscapes(pair):
			return nil, queryError(name, fmt.Sprintf("has a %% that does not start an escape such as %%25 (%q)", value))
		}
	}
	return nil, survey.Errorf(survey.Malformed, "the query string cannot be read: %v", err)
}

// validEscapes reports whether every % of s starts a %XX escape.
func validEscapes(s string) bool {
	_, err := url.QueryUnescape(s)
	return err == nil
}

// jsonBinder is Echo's binder: it decodes a JSON body strictly, refusing unknown
// fields, wrong types and trailing data, then what checkJSON refuses, and names
// the offending field.
type jsonBinder struct{}

func (jsonBinder) Bind(req any, c echo.Context) error {
	body, err := io.ReadAll(c.Request().Body)
	if err != nil {
		return err // the body limit's 413, or a broken connection
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err = dec.Decode(req)
	if err == nil {
		if _, extra := dec.Token(); extra != io.EOF {
			return survey.Errorf(survey.Malformed, "the request body holds more than one JSON value")
		}
		return checkJSON(body)
	}
	var he *echo.HTTPError
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &he): // the body limit
		return err
	case errors.Is(err, io.EOF):
		return survey.Errorf(survey.Malformed, "the request body is empty; a JSON object was expected")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return survey.Errorf(survey.Malformed, "the request body ends in the middle of a JSON value")
	case errors.As(err, &syntax):
		return survey.Errorf(survey.Malformed, "the request body is not valid JSON: %v (at byte %d)", syntax, syntax.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return survey.Errorf(survey.Malformed, "the request body must be a JSON object, not %s", typ.Value)
		}
		return malformedField(field, fmt.Sprintf("must be %s, not %s", jsonType(typ.Type), typ.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return malformedField(field, "is not a field of this request")
	}
	return survey.Errorf(survey.Malformed, "the request body cannot be read: %v", err)
}

func malformedField(field, reason string) error {
	return &survey.Error{Code: survey.Malformed, Message: "the request body does not fit the schema",
		Fields: []survey.FieldError{{Field: field, Reason: reason}}}
}

// jsonType names a Go type the way a JSON client thinks of it.
func jsonType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	case reflect.Pointer:
		return jsonType(t.Elem())
	}
	return "a " + t.String()
}

// jsonMarshal encodes v without escaping <, > and &, which need no escaping in JSON
// that is not embedded in HTML.
func jsonMarshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// structValidator checks request structs by their validate tags and reports every
// failure by its JSON path.
type structValidator struct{ v *validator.Validate }

func newValidator() *structValidator {
	v := validator.New(validator.WithRequiredStructEnabled())
	v.RegisterTagNameFunc(func(f reflect.StructField) string {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" {
			return ""
		}
		return name
	})
	_ = v.RegisterValidation("member_code", func(fl validator.FieldLevel) bool {
		return survey.ValidMemberCode(fl.Field().String())
	})
	_ = v.RegisterValidation("key", func(fl validator.FieldLevel) bool {
		return survey.ValidKey(fl.Field().String())
	})
	return &structValidator{v: v}
}

func (sv *structValidator) Validate(req any) error {
	err := sv.v.Struct(req)
	var verrs validator.ValidationErrors
	if !errors.As(err, &verrs) {
		return err
	}
	var p survey.Problems
	for _, fe := range verrs {
		// The namespace starts with the Go name of the request struct.
		_, path, _ := strings.Cut(fe.Namespace(), ".")
		p.Add(path, "%s", reason(fe))
	}
	return p.Err("the request has invalid values")
}

// reason says in words what a failed validation tag wanted.
func reason(fe validator.FieldError) string {
	switch fe.Tag() {
	case "required":
		return "is required"
	case "email":
		return "must be an e-mail address"
	case "oneof":
		return "must be one of: " + strings.ReplaceAll(fe.Param(), " ", ", ")
	case "min":
		if fe.Kind() == reflect.String || fe.Kind() == reflect.Slice {
			return "must have at least " + fe.Param() + " characters or items"
		}
		return "must be at least " + fe.Param()
	case "max":
		if fe.Kind() == reflect.String || fe.Kind() == reflect.Slice {
			return "must have at most " + fe.Param() + " characters or items"
		}
		return "must be at most " + fe.Param()
	case "member_code":
		return "must be a top-level domain label without the dot, in lowercase (dk, eu, xn--p1ai)"
	case "key":
		return "must be lowercase letters and digits, words joined by - or _, starting with a letter"
	case "iso3166_1_alpha2|eq=EU":
		return "must be an ISO 3166-1 alpha-2 country code in capitals (DK, FR), or EU"
	case "dive":
		return "is not valid"
	}
	return fmt.Sprintf("fails the rule %q", fe.Tag())
}
