package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/tldcouncil/surveyd/api"
	"github.com/tldcouncil/surveyd/internal/demo"
	"github.com/tldcouncil/surveyd/internal/store"
	"github.com/tldcouncil/surveyd/internal/web"
)

// shutdownGrace is how long in-flight requests may take to finish after a signal.
const shutdownGrace = 20 * time.Second

// serve runs the API until ctx ends, then finishes the requests in flight.
func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig("serve", args, getenv, stderr, nil)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.logLevel)
	st, err := openMigrated(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	m, stopMetrics, err := serveMetrics(cfg.metricsAddr, st, log)
	if err != nil {
		return err
	}
	defer stopMetrics()

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if cfg.demo {
		loaded, err := demo.Load(ctx, st, stdout, baseURL(ln.Addr()))
		if err != nil {
			_ = ln.Close()
			return fmt.Errorf("load demo: %w", err)
		}
		if !loaded {
			demoHint(stdout, cfg)
		}
	}
	// The web app serves the pages and passes the API's paths to the API.
	pages, err := web.New(web.Config{Store: st, Logger: log, BaseURL: getenv("SURVEY_BASE_URL"),
		API: api.New(api.Config{Store: st, Logger: log, CORSOrigins: cfg.corsOrigins, Metrics: m,
			Self: selfAddrs(ln.Addr(), getenv("SURVEY_BASE_URL"))})})
	if err != nil {
		_ = ln.Close()
		return err
	}
	srv := &http.Server{
		Handler:           pages,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    api.MaxHeaderBytes,
	}
	log.Info("serving", "addr", ln.Addr().String(), "database", st.Dialect(), "web_app", baseURL(ln.Addr())+"/")
	stopWorker, err := startWorker(ctx, st, log, m, getenv, baseURL(ln.Addr()))
	if err != nil {
		_ = ln.Close()
		return err
	}
	defer stopWorker()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	log.Info("shutting down: finishing requests in flight")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	log.Info("stopped")
	return nil
}

// demoHint tells someone who runs the demo again (a second `make run`) why no
// tokens are shown, and how to get one.
func demoHint(stdout io.Writer, cfg config) {
	fmt.Fprintln(stdout, "The database already has data, so the demo was not loaded again; its tokens were shown once.")
	fmt.Fprintln(stdout, "A new token of a demo user (the user is made again if it is gone):")
	fmt.Fprintf(stdout, "  ./bin/surveyd token create --email %s --role secretariat\n", demo.SecretariatEmail)
	fmt.Fprintf(stdout, "  ./bin/surveyd token create --email %s --role respondent --member dk\n", demo.RespondentEmail)
	fmt.Fprintf(stdout, "  ./bin/surveyd token create --email %s --role respondent --member se   (chair of technical)\n", demo.ChairEmail)
	if cfg.databaseURL != "" {
		fmt.Fprintln(stdout, "with the same DATABASE_URL. Or start over on an empty database.")
	} else {
		fmt.Fprintln(stdout, "Or delete surveys.db* to start over.")
	}
}

// baseURL is how a person on this machine reaches the listener.
func baseURL(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	switch {
	case !ok:
		return "http://" + addr.String()
	case tcp.IP.IsUnspecified():
		return fmt.Sprintf("http://localhost:%d", tcp.Port)
	}
	return "http://" + tcp.String()
}

// openMigrated opens the configured database and brings its schema up to date.
func openMigrated(ctx context.Context, cfg config, log *slog.Logger) (*store.Store, error) {
	st, err := store.Open(ctx, cfg.databaseURL, store.Options{Logger: log})
	if err != nil {
		return nil, err
	}
	applied, err := st.Migrate(ctx)
	if err != nil {
		_ = st.Close()
		return nil, err
	}
	if len(applied) > 0 {
		log.Info("schema migrated", "applied", applied)
	}
	return st, nil
}
