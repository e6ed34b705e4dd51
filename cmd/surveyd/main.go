// Command surveyd is the survey and benchmarking platform's server and its
// administration commands. `surveyd help` lists them; `surveyd COMMAND --help`
// lists a command's flags.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
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

// command is one command of surveyd. Adding a command is adding one entry to
// commands; its run function parses its flags with parseConfig (or a FlagSet of
// its own that returns helpError for --help), so that `--help` works the same
// everywhere.
type command struct {
	name    string // as typed: "serve", "token create"
	args    string // its flags in brief, for the list of commands
	summary string // one line
	run     func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error
}

// commands is the table of every command, in the order `surveyd help` lists them.
func commands() []command {
	return []command{
		{"serve", "[--addr ADDR] [--demo]", "serve the API (the default command)", serve},
		{"migrate", "", "apply the schema and exit", migrate},
		{"token create", "--email E --role secretariat|respondent|viewer [--member CODE] [--name N] [--expires DURATION]",
			"create a user if needed and print a new token of it", createToken},
		{"backup", "[--database-url sqlite:PATH] FILE", "copy the SQLite database into a new file, online", backupCommand},
		{"restore", "[--database-url sqlite:PATH] [--force] FILE", "put a backup in place of the SQLite database (stop the server first)", restoreCommand},
		{"copy", "--from URL --to URL", "move a whole installation into a new, empty database, and verify it", copyCommand},
		{"version", "", "print the version and commit of this build", printVersion},
	}
}

// run is the whole program, with its surroundings passed in so that tests can run it.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "help", "-h", "-help", "--help":
			return help(args[1:], stdout)
		case "-version", "--version":
			return printVersion(ctx, args[1:], getenv, stdout, stderr)
		}
	}
	cmd, rest, err := find(args)
	if err != nil {
		return err
	}
	return runCommand(ctx, cmd, rest, getenv, stdout, stderr)
}

// runCommand runs one command; when it was asked for --help, it prints the
// command's usage and flags and succeeds.
func runCommand(ctx context.Context, cmd command, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	err := cmd.run(ctx, args, getenv, stdout, stderr)
	var h helpError
	if errors.As(err, &h) {
		fmt.Fprintf(stdout, "usage: surveyd %s", cmd.name)
		if cmd.args != "" {
			fmt.Fprintf(stdout, " %s", cmd.args)
		}
		fmt.Fprintf(stdout, "\n\n%s.\n", cmd.summary)
		if h.flags != "" {
			fmt.Fprintf(stdout, "\nflags:\n%s", h.flags)
		}
		return nil
	}
	return err
}

// find picks the command that args start with: the longest name that matches
// ("token create" before "token"), serve when args start with a flag or are empty.
func find(args []string) (command, []string, error) {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		return commands()[0], args, nil
	}
	best, n := command{}, 0
	for _, c := range commands() {
		words := strings.Fields(c.name)
		if len(words) > n && len(args) >= len(words) && equalWords(args[:len(words)], words) {
			best, n = c, len(words)
		}
	}
	if n > 0 {
		return best, args[n:], nil
	}
	var sub []string // the commands under a first word, such as token create
	for _, c := range commands() {
		if first, rest, ok := strings.Cut(c.name, " "); ok && first == args[0] {
			sub = append(sub, rest)
		}
	}
	if len(sub) > 0 {
		return command{}, nil, fmt.Errorf("%s: the subcommands are %s; see surveyd help", args[0], strings.Join(sub, ", "))
	}
	return command{}, nil, fmt.Errorf("unknown command %q; surveyd help lists the commands", args[0])
}

func equalWords(a, b []string) bool {
	for i := range b {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// help prints the list of commands, or one command's flags when named.
func help(args []string, stdout io.Writer) error {
	if len(args) > 0 {
		cmd, rest, err := find(args)
		if err != nil {
			return err
		}
		if len(rest) > 0 {
			return fmt.Errorf("help: unexpected arguments %v", rest)
		}
		return runCommand(context.Background(), cmd, []string{"--help"}, func(string) string { return "" }, stdout, io.Discard)
	}
	fmt.Fprint(stdout, "usage: surveyd [COMMAND] [flags]\n\ncommands:\n")
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	for _, c := range commands() {
		fmt.Fprintf(tw, "  %s\t%s\n", c.name, c.summary)
		if c.args != "" {
			fmt.Fprintf(tw, "  \t  %s\n", c.args)
		}
	}
	_ = tw.Flush()
	fmt.Fprint(stdout, `
flags of every command that opens the database:
  --database-url URL   postgres://... or sqlite:PATH; empty for ./surveys.db (DATABASE_URL)
  --log-level LEVEL    debug, info, warn or error; logs are JSON lines on standard error (SURVEY_LOG_LEVEL)

  surveyd COMMAND --help   the flags of one command
  surveyd --version        the version and commit of this build

environment: SURVEY_ADDR, SURVEY_METRICS_ADDR, SURVEY_CORS_ORIGINS, DATABASE_URL, SURVEY_DEMO, SURVEY_LOG_LEVEL (flags win)
`)
	return nil
}
