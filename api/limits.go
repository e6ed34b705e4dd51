package api

import "time"

// The limits on what a client may send, in one place; the README lists them and
// decision 0012 says why each is what it is. A request beyond one is refused
// with a 4xx naming the limit, before anything is written.
const (
	// MaxBodyBytes caps every request body, CSV uploads included (413 beyond it):
	// 1 MiB, far above the largest real one, a full response of a long questionnaire.
	MaxBodyBytes = 1 << 20

	// MaxHeaderBytes caps the request line and headers together; the HTTP server
	// answers 431 beyond it. A bearer token and the usual headers take under 1 KiB.
	MaxHeaderBytes = 32 << 10

	// MaxJSONDepth caps how deeply the arrays and objects of a JSON body nest: a
	// questionnaire, the deepest request, needs 7 levels.
	MaxJSONDepth = 32

	// MaxJSONString caps the characters of one JSON string, key or value. Fields
	// have tighter limits of their own (a text answer 10,000 characters by default).
	MaxJSONString = 100_000

	// MaxImportRows caps the rows of one CSV import, the header excluded: one row
	// is one member, and the council has a few hundred.
	MaxImportRows = 5_000

	// Failed authentication is throttled per client address: authFailureBurst
	// failures at once, then one more per authFailureEvery; beyond that a failure
	// is a 429 with Retry-After. A valid token is never throttled.
	authFailureBurst = 20
	authFailureEvery = 3 * time.Second

	// authFailureAddresses bounds how many client addresses the throttle
	// remembers; when full, the addresses that have nothing against them are
	// forgotten first.
	authFailureAddresses = 10_000
)
