// Command surveyd is the survey and benchmarking platform's server and its
// administration commands.
//
//	surveyd [serve]        serve the API (the default)
//	surveyd migrate        apply the schema and exit
//	surveyd token create   create a user if needed and print a new token of it
//	surveyd backup PATH    copy the SQLite database into a new file, online
//	surveyd restore PATH   put a backup in place of the SQLite database
//	surveyd copy           move a whole installation into a new database, verified
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "surveyd:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  surveyd [serve] [--addr ADDR] [--database-url URL] [--demo] [--log-level LEVEL]
  surveyd migrate [--database-url URL]
  surveyd token create --email E --role secretariat|respondent|viewer [--member CODE] [--name N] [--expires DURATION]
  surveyd backup [--database-url sqlite:PATH] FILE
  surveyd restore [--database-url sqlite:PATH] [--force] FILE
  surveyd copy --from URL --to URL

environment: SURVEY_ADDR, DATABASE_URL, SURVEY_DEMO, SURVEY_LOG_LEVEL (flags win)`

// run is the whole program, with its surroundings passed in so that tests can run it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && args[0] != "" && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, getenv, stdout, stderr)
	case "migrate":
		return migrate(ctx, args, getenv, stdout, stderr)
	case "token":
		if len(args) == 0 || args[0] != "create" {
			return fmt.Errorf("token: the only subcommand is create\n%s", usage)
		}
		return createToken(ctx, args[1:], getenv, stdout, stderr)
	case "backup":
		return backupCommand(ctx, args, getenv, stdout, stderr)
	case "restore":
		return restoreCommand(ctx, args, getenv, stdout, stderr)
	case "copy":
		return copyCommand(ctx, args, getenv, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}
