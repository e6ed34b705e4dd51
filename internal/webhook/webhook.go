// Package webhook signs and delivers events to the secretariat's webhooks as the
// Standard Webhooks specification says (https://www.standardwebhooks.com): a POST
// of a JSON body {"type", "timestamp", "data"} with the headers webhook-id,
// webhook-timestamp and webhook-signature, "v1," and the base64 HMAC-SHA256 of
// "id.timestamp.body" under the key of the whsec_ secret. It knows nothing of the
// database.
package webhook

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// Sign returns the webhook-signature of a message: "v1," and the base64 of the
// HMAC-SHA256 of id.timestamp.body under the secret's key.
func Sign(secret, id string, timestamp time.Time, body []byte) (string, error) {
	key, err := survey.WebhookKey(secret)
	if err != nil {
		return "", fmt.Errorf("webhook secret: %w", err)
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + strconv.FormatInt(timestamp.Unix(), 10) + "."))
	mac.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(mac.Sum(nil)), nil
}

// Verify checks a received message as a subscriber does: one of the signatures
// of the webhook-signature header (space-separated) must be the v1 signature,
// and the timestamp within tolerance of now.
func Verify(secret string, h http.Header, body []byte, now time.Time, tolerance time.Duration) error {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return errors.New("missing webhook-id, webhook-timestamp or webhook-signature")
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("webhook-timestamp %q: %w", ts, err)
	}
	at := time.Unix(sec, 0)
	if at.Before(now.Add(-tolerance)) || at.After(now.Add(tolerance)) {
		return fmt.Errorf("webhook-timestamp %s is not within %s of now", at.UTC().Format(time.RFC3339), tolerance)
	}
	want, err := Sign(secret, id, at, body)
	if err != nil {
		return err
	}
	for _, s := range strings.Fields(sigs) {
		if hmac.Equal([]byte(s), []byte(want)) {
			return nil
		}
	}
	return errors.New("no signature matches")
}

// Body is the JSON body that tells of the notification: its type, when it
// happened, and in data the ids and state a subscriber needs. Answers are never
// part of it.
func Body(n survey.Notification) ([]byte, error) {
	type surveyData struct {
		ID       string     `json:"id"`
		Title    string     `json:"title"`
		Edition  string     `json:"edition"`
		Series   *string    `json:"series"`
		Period   *string    `json:"period"`
		Status   string     `json:"status"`
		Deadline *time.Time `json:"deadline"`
		Audience *string    `json:"audience_peer_group"`
	}
	type responseData struct {
		Member      string     `json:"member"`
		Status      string     `json:"status"`
		Version     int        `json:"version"`
		SubmittedAt *time.Time `json:"submitted_at"`
	}
	type data struct {
		Survey   surveyData    `json:"survey"`
		Response *responseData `json:"response,omitempty"`
	}
	opt := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	d := data{Survey: surveyData{ID: n.Survey.ID, Title: n.Survey.Title, Edition: n.Survey.Edition, Series: opt(n.Survey.Series),
		Period: opt(n.Survey.Period), Status: string(n.Survey.Status), Deadline: n.Survey.Deadline, Audience: opt(n.Survey.Audience)}}
	if n.Response != nil {
		d.Response = &responseData{Member: n.Member, Status: string(n.Response.Status), Version: n.Response.Version, SubmittedAt: n.Response.SubmittedAt}
	}
	return json.Marshal(struct {
		Type      string    `json:"type"`
		Timestamp time.Time `json:"timestamp"`
		Data      data      `json:"data"`
	}{string(n.Type), n.At.UTC(), d})
}

// Result is how one delivery went.
type Result struct {
	Status  int // 0 when no answer came
	Latency time.Duration
	Err     error // nil for a 2xx answer
}

// Deliver POSTs the signed body to the URL and waits for the answer at most
// timeout. Anything but a 2xx is an error; redirects are not followed, as the
// specification asks.
func Deliver(ctx context.Context, url, secret, id string, now time.Time, body []byte, timeout time.Duration) Result {
	sig, err := Sign(secret, id, now, body)
	if err != nil {
		return Result{Err: err}
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return Result{Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "surveyd-webhooks/1")
	req.Header.Set("webhook-id", id)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	start := time.Now()
	res, err := client.Do(req)
	latency := time.Since(start)
	if err != nil {
		return Result{Latency: latency, Err: err}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	res.Body.Close()
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return Result{Status: res.StatusCode, Latency: latency, Err: fmt.Errorf("the endpoint answered %s", res.Status)}
	}
	return Result{Status: res.StatusCode, Latency: latency}
}
