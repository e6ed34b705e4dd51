package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// checkJSON refuses, in a body that encoding/json has already decoded, what that
// decoder lets through silently: a body that is not an object (null decodes into
// nothing), a key twice in one object (the last would win; "Name" and "name"
// count as the same key, as they do for encoding/json), invalid UTF-8 and
// lone UTF-16 surrogates (it would store U+FFFD instead), nesting beyond
// MaxJSONDepth and strings beyond MaxJSONString. Each problem names its JSON path.
func checkJSON(body []byte) error {
	type frame struct {
		object  bool
		path    string
		keys    map[string]bool
		key     string // the key whose value comes next, in an object
		wantKey bool
		index   int // the next index, in an array
	}
	var stack []*frame
	top := func() *frame {
		if len(stack) == 0 {
			return nil
		}
		return stack[len(stack)-1]
	}
	valuePath := func() string {
		f := top()
		switch {
		case f == nil:
			return ""
		case f.object:
			return joinPath(f.path, f.key)
		}
		return fmt.Sprintf("%s[%d]", f.path, f.index)
	}
	afterValue := func() {
		if f := top(); f != nil && f.object {
			f.wantKey = true
		} else if f != nil {
			f.index++
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	for first := true; ; first = false {
		before := dec.InputOffset()
		tok, err := dec.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return nil // a syntax error: the decoder has reported it already
		}
		if d, ok := tok.(json.Delim); first && (!ok || d != '{') {
			return survey.Errorf(survey.Malformed, "the request body must be a JSON object, not %s", jsonKind(tok))
		}
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{', '[':
				p := valuePath()
				if len(stack) >= MaxJSONDepth {
					return malformedField(p, fmt.Sprintf("nests arrays and objects deeper than %d levels", MaxJSONDepth))
				}
				stack = append(stack, &frame{object: t == '{', path: p, keys: map[string]bool{}, wantKey: true})
			case '}', ']':
				stack = stack[:len(stack)-1]
				afterValue()
			}
		case string:
			f := top()
			isKey := f != nil && f.object && f.wantKey
			p := valuePath()
			if isKey {
				p = joinPath(f.path, t)
			}
			if reason := badString(body[before:dec.InputOffset()], t); reason != "" {
				return malformedField(p, reason)
			}
			if !isKey {
				afterValue()
				continue
			}
			// encoding/json matches a struct's fields without regard to case, so
			// "Role" after "role" would replace it as surely as "role" would.
			folded := strings.ToLower(t)
			if f.keys[folded] {
				return malformedField(p, "appears twice in the same object (keys that differ only in case count as one); send each key once")
			}
			f.keys[folded], f.key, f.wantKey = true, t, false
		default:
			afterValue()
		}
	}
}

// badString says what is wrong with one string of a JSON body, given its raw
// bytes (quotes and escapes included) and its decoded value; "" if nothing.
func badString(raw []byte, decoded string) string {
	if !utf8.Valid(raw) {
		return "is not valid UTF-8"
	}
	if u, lone := loneSurrogate(raw); lone {
		return fmt.Sprintf("holds a lone UTF-16 surrogate (\\u%04x), which is not a character", u)
	}
	if n := utf8.RuneCountInString(decoded); n > MaxJSONString {
		return fmt.Sprintf("is %d characters long; a string may have at most %d", n, MaxJSONString)
	}
	return ""
}

// loneSurrogate finds a \u escape of a UTF-16 surrogate in raw, one JSON string
// as sent, that is not half of a pair.
func loneSurrogate(raw []byte) (uint16, bool) {
	escape := func(i int) (uint16, bool) { // the \uXXXX at raw[i:], if there is one
		if i+6 > len(raw) || raw[i] != '\\' || raw[i+1] != 'u' {
			return 0, false
		}
		u, err := strconv.ParseUint(string(raw[i+2:i+6]), 16, 16)
		return uint16(u), err == nil
	}
	high := func(u uint16) bool { return u >= 0xd800 && u <= 0xdbff }
	low := func(u uint16) bool { return u >= 0xdc00 && u <= 0xdfff }
	for i := 0; i < len(raw); i++ {
		if raw[i] != '\\' {
			continue
		}
		u, ok := escape(i)
		if !ok {
			i++ // another escape: skip the escaped character
			continue
		}
		if high(u) {
			if next, ok := escape(i + 6); ok && low(next) {
				i += 11
				continue
			}
			return u, true
		}
		if low(u) {
			return u, true
		}
		i += 5
	}
	return 0, false
}

// jsonKind names the kind of a JSON token the way a client thinks of it.
func jsonKind(tok json.Token) string {
	switch tok.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case string:
		return "a string"
	case json.Delim:
		return "an array"
	}
	return "a value"
}

// joinPath appends an object key to a JSON path, the way field errors name fields.
func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
