package main

import (
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"strings"
)

// config is the server's configuration: environment variables, overridden by flags.
type config struct {
	addr        string
	metricsAddr string // "" for no metrics
	databaseURL string
	demo        bool
	logLevel    slog.Level
}

// parseConfig reads the environment, then the flags of the command in args. Extra
// flags of the command are registered by extra before parsing.
func parseConfig(name string, args []string, getenv func(string) string, stderr io.Writer, extra func(*flag.FlagSet)) (config, error) {
	cfg := config{addr: getenv("SURVEY_ADDR"), metricsAddr: getenv("SURVEY_METRICS_ADDR"), databaseURL: getenv("DATABASE_URL")}
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
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.addr, "addr", cfg.addr, "address to listen on (SURVEY_ADDR)")
	fs.StringVar(&cfg.metricsAddr, "metrics-addr", cfg.metricsAddr, "address to serve /metrics on, apart from the API; empty for none (SURVEY_METRICS_ADDR)")
	fs.StringVar(&cfg.databaseURL, "database-url", cfg.databaseURL, "postgres://... or sqlite:PATH; empty for ./surveys.db (DATABASE_URL)")
	fs.BoolVar(&cfg.demo, "demo", cfg.demo, "load the demo into an empty database (SURVEY_DEMO)")
	fs.StringVar(&level, "log-level", level, "debug, info, warn or error (SURVEY_LOG_LEVEL)")
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("%s: unexpected arguments %v", name, fs.Args())
	}
	if err := cfg.logLevel.UnmarshalText([]byte(strings.ToLower(level))); err != nil {
		return cfg, fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	return cfg, nil
}
