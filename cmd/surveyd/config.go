package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strconv"
	"strings"

	"github.com/tldcouncil/surveyd/internal/requestid"
)

// config is the server's configuration: environment variables, overridden by flags.
type config struct {
	addr        string
	metricsAddr string // "" for no metrics
	databaseURL string
	demo        bool
	logLevel    slog.Level
	corsOrigins []string // browser origins allowed to call the API
}

// parseConfig reads the environment, then the flags of the command in args. Extra
// flags of the command are registered by extra before parsing. For --help it
// returns a helpError.
func parseConfig(name string, args []string, getenv func(string) string, _ io.Writer, extra func(*flag.FlagSet)) (config, error) {
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
	origins := getenv("SURVEY_CORS_ORIGINS")
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.StringVar(&cfg.databaseURL, "database-url", cfg.databaseURL, "postgres://... or sqlite:PATH; empty for ./surveys.db (DATABASE_URL)")
	fs.StringVar(&level, "log-level", level, "debug, info, warn or error; logs are JSON lines on standard error (SURVEY_LOG_LEVEL)")
	if name == "serve" { // the server's own settings; the other commands do not listen
		fs.StringVar(&cfg.addr, "addr", cfg.addr, "address to listen on (SURVEY_ADDR)")
		fs.StringVar(&cfg.metricsAddr, "metrics-addr", cfg.metricsAddr, "address to serve /metrics on, apart from the API; empty for none (SURVEY_METRICS_ADDR)")
		fs.BoolVar(&cfg.demo, "demo", cfg.demo, "load the demo into an empty database (SURVEY_DEMO)")
		fs.StringVar(&origins, "cors-origins", origins, "comma-separated origins of browser front ends, such as https://dash.example.org, or *; none by default (SURVEY_CORS_ORIGINS)")
	}
	if extra != nil {
		extra(fs)
	}
	if err := parseFlags(fs, args); err != nil {
		return cfg, err
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

// helpError is what parsing returns for -h or --help: the command's flags, which
// run prints on standard output before exiting 0.
type helpError struct{ flags string }

func (helpError) Error() string { return "help requested" }

// parseFlags parses args into fs and refuses positional arguments. It prints
// nothing itself: --help becomes a helpError, a bad flag an error that names it.
func parseFlags(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	if err := flagError(fs, fs.Parse(args)); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected arguments %v", fs.Name(), fs.Args())
	}
	return nil
}

// flagError turns what fs.Parse returned into what a command returns: a
// helpError for --help, an error naming the bad flag, or nil.
func flagError(fs *flag.FlagSet, err error) error {
	if errors.Is(err, flag.ErrHelp) {
		var b strings.Builder
		fs.SetOutput(&b)
		fs.PrintDefaults()
		return helpError{flags: b.String()}
	}
	if err != nil {
		return fmt.Errorf("%s: %w (surveyd %s --help lists the flags)", fs.Name(), err, fs.Name())
	}
	return nil
}

// newLogger is the logger of every command: JSON lines on standard error.
func newLogger(stderr io.Writer, level slog.Level) *slog.Logger {
	return slog.New(requestid.LogHandler(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: level})))
}
