package webhook_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/tldcouncil/surveyd/internal/webhook"
)

// The test vector of the Standard Webhooks libraries: the key, message id,
// timestamp, payload and expected signature of the "sign function works" test in
// github.com/standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts
// (commit b2fa7b8719fb75d326b591077f5d1b385cfcdfae); the same secret, id and
// payload are the defaults of libraries/go/webhook_test.go, whose invalid
// signature is the one of "invalid signature is invalid".
const (
	vectorSecret    = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	vectorID        = "msg_p5jXN8AQM9LWM0D4loKWxJek"
	vectorTimestamp = 1614265330
	vectorPayload   = `{"test": 2432232314}`
	vectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
	vectorInvalid   = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc="
)

func TestSignMatchesTheSpecificationsVector(t *testing.T) {
	got, err := webhook.Sign(vectorSecret, vectorID, time.Unix(vectorTimestamp, 0), []byte(vectorPayload))
	if err != nil {
		t.Fatal(err)
	}
	if got != vectorSignature {
		t.Fatalf("signature %s, want %s", got, vectorSignature)
	}
}

func TestVerify(t *testing.T) {
	at := time.Unix(vectorTimestamp, 0)
	header := func(sig string) http.Header {
		h := http.Header{}
		h.Set("webhook-id", vectorID)
		h.Set("webhook-timestamp", strconv.Itoa(vectorTimestamp))
		h.Set("webhook-signature", sig)
		return h
	}
	for _, tc := range []struct {
		name string
		h    http.Header
		body string
		now  time.Time
		ok   bool
	}{
		{"the vector", header(vectorSignature), vectorPayload, at, true},
		{"among several", header("v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= v2,x " + vectorSignature), vectorPayload, at, true},
		{"invalid signature", header(vectorInvalid), vectorPayload, at, false},
		{"partial signature", header("v1,"), vectorPayload, at, false},
		{"another body", header(vectorSignature), `{"test": 2432232315}`, at, false},
		{"too old", header(vectorSignature), vectorPayload, at.Add(6 * time.Minute), false},
		{"from the future", header(vectorSignature), vectorPayload, at.Add(-6 * time.Minute), false},
		{"no id", func() http.Header { h := header(vectorSignature); h.Del("webhook-id"); return h }(), vectorPayload, at, false},
	} {
		err := webhook.Verify(vectorSecret, tc.h, []byte(tc.body), tc.now, 5*time.Minute)
		if (err == nil) != tc.ok {
			t.Errorf("%s: %v, want ok %v", tc.name, err, tc.ok)
		}
	}
}
