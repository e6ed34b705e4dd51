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

// Reason names the specific cause of an Error, finer than its Code, so that a
// program can tell refusals of one kind apart ("not_published" from
// "not_respondent", both Forbidden). The reasons are part of the API's contract:
// one is never renamed, and a new refusal gets a new one.
type Reason string

// The reasons of the domain's refusals, grouped by the Code they come with.
const (
	// Malformed
	BadIfMatch Reason = "bad_if_match" // If-Match is not a version this API sent
	BadQuery   Reason = "bad_query"    // a query parameter is not valid

	// Invalid
	InvalidValues     Reason = "invalid_values"      // values of the request break rules; each is listed
	RequiredMissing   Reason = "required_missing"    // a submission lacks required answers; each is listed
	BadCSV            Reason = "bad_csv"             // an upload is not valid CSV
	BadTransition     Reason = "bad_transition"      // no such lifecycle status
	DeadlineNeeded    Reason = "deadline_needed"     // an open survey must keep a deadline in the future
	ExtensionTooEarly Reason = "extension_too_early" // an extension must end in the future and after the deadline
	ExpiresAtOnce     Reason = "expires_at_once"     // a token would be expired when made
	UnknownReference  Reason = "unknown_reference"   // a referenced member or peer group does not exist
	BadPeriod         Reason = "bad_period"          // a period is not valid for its series

	// Unauthorized
	TokenInvalid    Reason = "token_invalid"    // no such token, or not the shape of one
	TokenRevoked    Reason = "token_revoked"    // the token was revoked
	TokenExpired    Reason = "token_expired"    // the token expired
	UserDeactivated Reason = "user_deactivated" // the token's user, or the user to make a token for, is deactivated

	// Forbidden
	SecretariatOnly Reason = "secretariat_only" // only the secretariat may do this
	NotOwnMember    Reason = "not_own_member"   // another member's response or values
	NotOwnUser      Reason = "not_own_user"     // another user's tokens
	ReadOnlyRole    Reason = "read_only_role"   // a viewer may read a response, not write it
	NotPublished    Reason = "not_published"    // members read results once the survey is published
	NotRespondent   Reason = "not_respondent"   // the results are for members that submitted, and this one did not
	NotChair        Reason = "not_chair"        // a chair acting outside the work groups it chairs

	// NotFound
	NoSuchMember    Reason = "no_such_member"
	NoSuchPeerGroup Reason = "no_such_peer_group"
	NoSuchUser      Reason = "no_such_user"
	NoSuchToken     Reason = "no_such_token"
	NoSuchSurvey    Reason = "no_such_survey" // also a survey the caller may not see
	NoSuchSeries    Reason = "no_such_series" // also a series the caller may not see
	NoSuchMetric    Reason = "no_such_metric"
	NoSuchWorkGroup Reason = "no_such_work_group"
	NotInAudience   Reason = "not_in_audience" // the member is not addressed by the survey

	// Conflict
	NotOpen          Reason = "not_open"          // the survey does not take answers or extensions: it is not open
	DeadlinePassed   Reason = "deadline_passed"   // the member's deadline has passed; the response is locked
	StructureFrozen  Reason = "structure_frozen"  // the survey is open: only texts may change
	StatusOrder      Reason = "status_order"      // a lifecycle step out of order
	NotReadyToOpen   Reason = "not_ready_to_open" // the survey lacks a question or a future deadline
	NotDraft         Reason = "not_draft"         // only a draft can be deleted
	NotSubmitted     Reason = "not_submitted"     // only a submitted response can be withdrawn
	Taken            Reason = "taken"             // a code, key or e-mail address is taken
	UserExists       Reason = "user_exists"       // the user exists already, otherwise than asked
	PeerGroupInUse   Reason = "peer_group_in_use" // a peer group still addressed by a survey or series
	EditionExists    Reason = "edition_exists"    // the series has an edition for the period
	ChangedMeanwhile Reason = "changed_meanwhile" // another request changed the survey first

	// PreconditionFailed
	StaleVersion Reason = "stale_version" // If-Match names an older version of the response
)

// Error is the one error type the domain returns. Message is safe to show to the
// caller; Fields lists every bad value when there are several. Reason, when set,
// names the specific cause; without one, the Code is all a program learns.
type Error struct {
	Code    Code
	Reason  Reason
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

// Refusef returns an Error with the given code, reason and formatted message.
func Refusef(code Code, reason Reason, format string, args ...any) *Error {
	return &Error{Code: code, Reason: reason, Message: fmt.Sprintf(format, args...)}
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

// ErrorReason returns the reason of err, "" when it has none or is not an *Error.
func ErrorReason(err error) Reason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
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
	return &Error{Code: Invalid, Reason: InvalidValues, Message: message, Fields: p}
}
