package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/tldcouncil/surveyd/internal/survey"
)

// migrate applies the schema and exits.
func migrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, err := parseConfig("migrate", args, getenv, stderr, nil)
	if err != nil {
		return err
	}
	log := newLogger(stderr, cfg.logLevel)
	st, err := openMigrated(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	v, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "schema at version %d\n", v)
	return nil
}

// createToken creates the user if it does not exist and prints a new token of it,
// alone on standard output, so that scripts can capture it.
func createToken(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var email, role, member, name string
	var expires time.Duration
	cfg, err := parseConfig("token create", args, getenv, stderr, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "the user's e-mail address (required)")
		fs.StringVar(&role, "role", "", "secretariat, respondent or viewer (required)")
		fs.StringVar(&member, "member", "", "the member code of a respondent or viewer")
		fs.StringVar(&name, "name", "", "the user's name, when the user is created")
		fs.DurationVar(&expires, "expires", 0, "lifetime of the token, such as 720h; 0 for none")
	})
	if err != nil {
		return err
	}
	if email == "" || role == "" {
		return fmt.Errorf("token create: --email and --role are required")
	}
	if expires < 0 {
		return fmt.Errorf("token create: --expires must be positive")
	}
	log := newLogger(stderr, cfg.logLevel)
	st, err := openMigrated(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer st.Close()
	u, created, err := st.EnsureUser(ctx, survey.User{Email: email, Name: name, Role: survey.Role(role), Member: member})
	if err != nil {
		return err
	}
	var expiresAt *time.Time
	if expires > 0 {
		t := st.Now().Add(expires)
		expiresAt = &t
	}
	_, secret, err := st.CreateToken(ctx, u.ID, "created by surveyd token create", expiresAt)
	if err != nil {
		return err
	}
	if created {
		log.Info("user created", "id", u.ID, "email", u.Email, "role", u.Role)
	}
	fmt.Fprintln(stdout, secret)
	return nil
}
