package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tldcouncil/surveyd/internal/dbtest"
	"github.com/tldcouncil/surveyd/internal/mail/mailtest"
)

// TestServeSendsMail: serve's worker mails the invitation of a survey opened
// through the API to the SMTP server of the environment, with links to the base URL.
func TestServeSendsMail(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db dbtest.Database) {
		smtp := mailtest.Start(t)
		addr := freeAddr(t)
		env := map[string]string{"DATABASE_URL": db.URL, "SURVEY_ADDR": addr, "SURVEY_SMTP_HOST": smtp.Host,
			"SURVEY_SMTP_PORT": strconv.Itoa(smtp.Port), "SURVEY_SMTP_TLS": "none", "SURVEY_MAIL_FROM": "surveys@council.example",
			"SURVEY_BASE_URL": "https://surveys.example.org"}
		var out bytes.Buffer
		if err := run(context.Background(), []string{"token", "create", "--email", "a@example.org", "--role", "secretariat"}, mapEnv(env), &out, io.Discard); err != nil {
			t.Fatal(err)
		}
		token := strings.TrimSpace(out.String())
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- run(ctx, nil, mapEnv(env), io.Discard, io.Discard) }()
		waitReady(t, "http://"+addr)

		call := func(method, path, body string) map[string]any {
			t.Helper()
			req, _ := http.NewRequest(method, "http://"+addr+path, strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			if body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			raw, _ := io.ReadAll(res.Body)
			if res.StatusCode >= 300 {
				t.Fatalf("%s %s: %d %s", method, path, res.StatusCode, raw)
			}
			return decodeObject(t, raw)
		}
		call("POST", "/v1/members", `{"code":"dk","name":"Punktum dk","country":"DK","membership":"full"}`)
		call("POST", "/v1/users", `{"email":"anna@punktum.dk","name":"Anna","role":"respondent","member":"dk"}`)
		deadline := time.Now().Add(10 * 24 * time.Hour).UTC().Format(time.RFC3339)
		sv := call("POST", "/v1/surveys", `{"title":"DNSSEC practices","deadline":"`+deadline+`","sections":[{"key":"s","title":"S","questions":[{"key":"q","type":"boolean","prompt":"Q?"}]}]}`)
		id, _ := sv["id"].(string)
		call("POST", "/v1/surveys/"+id+"/open", "")

		for wait := time.Now().Add(15 * time.Second); len(smtp.Received()) == 0 && time.Now().Before(wait); {
			time.Sleep(50 * time.Millisecond)
		}
		got := smtp.To("anna@punktum.dk")
		if len(got) != 1 || got[0].Subject != "New survey: DNSSEC practices" ||
			!strings.Contains(got[0].Text, "https://surveys.example.org/v1/surveys/"+id+"/responses/dk") {
			t.Fatalf("mails received: %+v", smtp.Received())
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Fatalf("serve after a signal: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Fatal("the server did not stop")
		}
	})
}

func TestBadMailConfiguration(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"SURVEY_SMTP_HOST": "mail.example.org", "SURVEY_SMTP_TLS": "sometimes", "SURVEY_MAIL_FROM": "a@example.org"}, "SURVEY_SMTP_TLS"},
		{map[string]string{"SURVEY_SMTP_HOST": "mail.example.org"}, "SURVEY_MAIL_FROM"},
		{map[string]string{"SURVEY_SMTP_HOST": "mail.example.org", "SURVEY_SMTP_PORT": "smtp", "SURVEY_MAIL_FROM": "a@example.org"}, "SURVEY_SMTP_PORT"},
		{map[string]string{"SURVEY_REMINDERS": "a week"}, "SURVEY_REMINDERS"},
		{map[string]string{"SURVEY_TICK_EVERY": "often"}, "SURVEY_TICK_EVERY"},
		{map[string]string{"SURVEY_TICK_EVERY": "100ms"}, "SURVEY_TICK_EVERY"},
		{map[string]string{"SURVEY_BASE_URL": "surveys.example.org"}, "SURVEY_BASE_URL"},
	} {
		tc.env["DATABASE_URL"] = "sqlite:" + t.TempDir() + "/x.db"
		tc.env["SURVEY_ADDR"] = freeAddr(t)
		err := run(context.Background(), nil, mapEnv(tc.env), io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got %v, want an error about %s", tc.env, err, tc.want)
		}
	}
}

func decodeObject(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("not a JSON object: %v: %s", err, raw)
	}
	return v
}
