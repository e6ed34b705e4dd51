package survey

import (
	"errors"
	"fmt"
)

// Code classifies an Error; the HTTP layer maps each code to one status.
type Code string

// The error codes of the domain.
const (
	Malformed          Code = "malformed"           // the request cannot be read at all
	Invalid            Code = "invalid"             // readable, but a value breaks a rule
	Unauthorized       Code = "unauthorized"        // the caller is not known
	Forbidden          Code = "forbidden"           // the caller may not do this
	NotFound           Code = "not_found"           // the thing asked for does not exist (for this caller)
	Conflict           Code = "conflict"            // the request clashes with the current state
	PreconditionFailed Code = "precondition_failed" // the caller's version is stale
	Internal           Code = "internal"            // a fault of ours
)

// FieldError names one bad value and why it is bad. Field is the path of the value
// in the request, as the client wrote it ("members[2]", "email").
type FieldError struct {
	Field  string
	Reason string
}

// Error is the one error type the domain returns. Message is safe to show to the
// caller; Fields lists every bad value when there are several.
type Error struct {
	Code    Code
	Message string
	Fields  []FieldError
}

func (e *Error) Error() string {
	if len(e.Fields) == 0 {
		return fmt.Sprintf("%s: %s", e.Code, e.Message)
	}
	return fmt.Sprintf("%s: %s (%d field errors, first %s: %s)", e.Code, e.Message, len(e.Fields), e.Fields[0].Field, e.Fields[0].Reason)
}

// Errorf returns an Error with the given code and a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of err, Internal for errors that are not an *Error,
// and "" for nil.
func ErrorCode(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Problems collects field errors so that one response can report all of them.
type Problems []FieldError

// Add records that the value at field is bad for reason.
func (p *Problems) Add(field, format string, args ...any) {
	*p = append(*p, FieldError{Field: field, Reason: fmt.Sprintf(format, args...)})
}

// Err returns nil when nothing was recorded, and otherwise an Invalid error
// carrying every field error under message.
func (p Problems) Err(message string) error {
	if len(p) == 0 {
		return nil
	}
	return &Error{Code: Invalid, Message: message, Fields: p}
}
