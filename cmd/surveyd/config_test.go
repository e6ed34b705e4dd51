package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestCORSOrigins(t *testing.T) {
	for _, tc := range []struct {
		env, flag string
		want      []string
		err       string
	}{
		{env: "", want: nil},
		{env: "https://dash.example.org, http://localhost:5173/", want: []string{"https://dash.example.org", "http://localhost:5173"}},
		{env: "*", want: []string{"*"}},
		{env: "HTTPS://Dash.Example.org", want: []string{"https://dash.example.org"}},
		{env: "https://a.example.org", flag: "https://b.example.org", want: []string{"https://b.example.org"}},
		{env: "dash.example.org", err: "CORS origin"},
		{env: "https://dash.example.org/app", err: "CORS origin"},
		{env: "https://*.example.org", err: "CORS origin"},
		{env: "ftp://files.example.org", err: "CORS origin"},
		{flag: "https://user@dash.example.org", err: "CORS origin"},
	} {
		var args []string
		if tc.flag != "" {
			args = []string{"--cors-origins", tc.flag}
		}
		cfg, err := parseConfig("serve", args, mapEnv(map[string]string{"SURVEY_CORS_ORIGINS": tc.env}), &bytes.Buffer{}, nil)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q %q: got %v, want an error about %s", tc.env, tc.flag, err, tc.err)
		case tc.err == "" && err != nil:
			t.Errorf("%q %q: %v", tc.env, tc.flag, err)
		case tc.err == "" && !slices.Equal(cfg.corsOrigins, tc.want):
			t.Errorf("%q %q: origins %q, want %q", tc.env, tc.flag, cfg.corsOrigins, tc.want)
		}
	}
}
