package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
)

// commit is the one package variable: the linker can set only those. The Makefile
// sets it (-ldflags "-X main.commit=...") from git, for builds in a linked
// worktree, where the toolchain stamps no VCS information (golang/go#58218).
var commit string

// printVersion prints what this binary was built from: the module version, the
// commit, its time and whether the tree had changes, as the Go toolchain stamps
// them from git (`make build` asks for it with -buildvcs=auto), or else the
// commit the Makefile passed to the linker.
func printVersion(_ context.Context, args []string, _ func(string) string, stdout, _ io.Writer) error {
	if err := parseFlags(flag.NewFlagSet("version", flag.ContinueOnError), args); err != nil {
		return err
	}
	fmt.Fprintln(stdout, versionLine())
	return nil
}

// versionLine is "surveyd VERSION commit COMMIT (TIME, modified) GO".
func versionLine() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "surveyd (no build information)"
	}
	vcs := map[string]string{}
	for _, s := range info.Settings {
		vcs[s.Key] = s.Value
	}
	line := "surveyd " + info.Main.Version
	if rev := vcs["vcs.revision"]; rev == "" && commit != "" {
		line += " commit " + commit
	} else if rev != "" {
		line += " commit " + rev
		if t := vcs["vcs.time"]; t != "" {
			line += " (" + t
			if vcs["vcs.modified"] == "true" {
				line += ", modified"
			}
			line += ")"
		}
	} else {
		line += " commit unknown (built without version control information)"
	}
	return line + " " + info.GoVersion
}
