package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/tldcouncil/surveyd/internal/backup"
	"github.com/tldcouncil/surveyd/internal/store"
)

// backupCommand is `surveyd backup PATH`: an online copy of the SQLite database
// into a new file. It does not migrate: a backup taken before an upgrade keeps
// the schema it had.
func backupCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, databaseURL := databaseFlags("backup", getenv, stderr)
	path, err := oneArgument(fs, args, "PATH of the new backup file")
	if err != nil {
		return err
	}
	st, err := openExisting(ctx, *databaseURL, newLogger(stderr, slog.LevelInfo))
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer st.Close()
	sum, err := backup.Backup(ctx, st, path)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	sum.Write(stdout)
	return nil
}

// restoreCommand is `surveyd restore PATH`: the backup at PATH in place of the
// SQLite database, which must be stopped.
func restoreCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs, databaseURL := databaseFlags("restore", getenv, stderr)
	force := fs.Bool("force", false, "replace a database that holds data")
	path, err := oneArgument(fs, args, "PATH of the backup file")
	if err != nil {
		return err
	}
	target, ok := strings.CutPrefix(*databaseURL, "sqlite:")
	switch {
	case *databaseURL == "":
		target = store.DefaultSQLitePath
	case !ok:
		return fmt.Errorf("restore: the target must be an SQLite database (sqlite:PATH); to put a backup into PostgreSQL, use surveyd copy --from sqlite:%s --to postgres://...", path)
	}
	sum, err := backup.Restore(ctx, path, target, *force)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	sum.Write(stdout)
	if sum.SchemaVersion < store.LatestSchemaVersion() {
		fmt.Fprintf(stdout, "the next surveyd command will migrate it to schema version %d\n", store.LatestSchemaVersion())
	}
	return nil
}

// copyCommand is `surveyd copy --from URL --to URL`: a whole installation into a
// new, empty database, which it migrates first, then verified.
func copyCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("copy", flag.ContinueOnError)
	from := fs.String("from", "", "the installation to copy: sqlite:PATH or postgres://... (required)")
	to := fs.String("to", "", "a new, empty database to copy it into: postgres://... or sqlite:PATH (required)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	switch {
	case *from == "" || *to == "":
		return fmt.Errorf("copy: --from and --to are required")
	case *from == *to:
		return fmt.Errorf("copy: --from and --to name the same database")
	}
	log := newLogger(stderr, slog.LevelInfo)
	src, err := openExisting(ctx, *from, log)
	if err != nil {
		return fmt.Errorf("copy: --from: %w", err)
	}
	defer src.Close()
	dst, err := openMigrated(ctx, config{databaseURL: *to}, log)
	if err != nil {
		return fmt.Errorf("copy: --to: %w", err)
	}
	defer dst.Close()
	rep, err := backup.Copy(ctx, src, dst)
	rep.Write(stdout)
	if err != nil {
		return fmt.Errorf("copy: %w", err)
	}
	fmt.Fprintln(stdout, "copied and verified: every table and every survey's results are equal")
	return nil
}

// openExisting opens a database to read from, refusing an SQLite file that does
// not exist rather than creating an empty one.
func openExisting(ctx context.Context, url string, log *slog.Logger) (*store.Store, error) {
	if path, ok := strings.CutPrefix(url, "sqlite:"); ok || url == "" {
		if url == "" {
			path = store.DefaultSQLitePath
		}
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("the SQLite database %s: %w", path, err)
		}
	}
	return store.Open(ctx, url, store.Options{Logger: log})
}

// databaseFlags is the flag set of a command that needs only the database.
func databaseFlags(name string, getenv func(string) string, stderr io.Writer) (*flag.FlagSet, *string) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	url := fs.String("database-url", getenv("DATABASE_URL"), "sqlite:PATH; empty for ./surveys.db (DATABASE_URL)")
	return fs, url
}

// oneArgument parses flags before and after one positional argument and
// returns it.
func oneArgument(fs *flag.FlagSet, args []string, what string) (string, error) {
	var rest []string
	for {
		if err := flagError(fs, fs.Parse(args)); err != nil {
			return "", err
		}
		if fs.NArg() == 0 {
			break
		}
		rest, args = append(rest, fs.Arg(0)), fs.Args()[1:]
	}
	if len(rest) != 1 {
		return "", fmt.Errorf("%s: want one argument, the %s; got %d", fs.Name(), what, len(rest))
	}
	return rest[0], nil
}
