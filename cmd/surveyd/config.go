package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
)

// config is the server's configuration: environment variables, overridden by flags.
type config struct {
	addr        string
	databaseURL string
	demo        bool
	logLevel    slog.Level
	corsOrigins []string // browser origins allowed to call the API
}

// parseConfig reads the environment, then the flags of the command in args. Extra
// flags of the command are registered by extra before parsing.
func parseConfig(name string, args []string, getenv func(string) string, stderr io.Writer, extra func(*flag.FlagSet)) (config, error) {
	cfg := config{addr: getenv("SURVEY_ADDR"), databaseURL: getenv("DATABASE_URL")}
	if cfg.addr == "" {
		cfg.addr = ":8080"
	}
	if v := getenv("SURVEY_DEMO"); v != "" {
		demo, err := strconv.ParseBool(v)
		if err != nil {
			return cfg, fmt.Errorf("SURVEY_DEMO=%q: want true or false", v)
		}
		cfg.demo = demo
	}
	level := getenv("SURVEY_LOG_LEVEL")
	if level == "" {
		level = "info"
	}
	origins := getenv("SURVEY_CORS_ORIGINS")
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.addr, "addr", cfg.addr, "address to listen on (SURVEY_ADDR)")
	fs.StringVar(&cfg.databaseURL, "database-url", cfg.databaseURL, "postgres://... or sqlite:PATH; empty for ./surveys.db (DATABASE_URL)")
	fs.BoolVar(&cfg.demo, "demo", cfg.demo, "load the demo into an empty database (SURVEY_DEMO)")
	fs.StringVar(&level, "log-level", level, "debug, info, warn or error (SURVEY_LOG_LEVEL)")
	fs.StringVar(&origins, "cors-origins", origins, "comma-separated origins of browser front ends, such as https://dash.example.org, or *; none by default (SURVEY_CORS_ORIGINS)")
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("%s: unexpected arguments %v", name, fs.Args())
	}
	var err error
	if err = cfg.logLevel.UnmarshalText([]byte(strings.ToLower(level))); err != nil {
		return cfg, fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	if cfg.corsOrigins, err = parseOrigins(origins); err != nil {
		return cfg, err
	}
	return cfg, nil
}

// parseOrigins reads a comma-separated list of origins as a browser sends them
// in its Origin header (scheme, host and port, nothing more), or "*" for any.
func parseOrigins(list string) ([]string, error) {
	var out []string
	for _, o := range strings.Split(list, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		if o != "*" {
			u, err := url.Parse(o)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
				(u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" || strings.ContainsAny(o, "*?") {
				return nil, fmt.Errorf("CORS origin %q: want scheme://host[:port], such as https://dash.example.org, or *", o)
			}
			o = u.Scheme + "://" + strings.ToLower(u.Host) // as browsers send it
		}
		out = append(out, o)
	}
	return out, nil
}
