package main

import (
	"context"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"agentshop/internal/agent"
)

// Helpers that run one command's flag parsing or the whole command tree,
// for the tests written against the commands' earlier signatures.

// parseFlags parses args with register's flags and refuses positional
// arguments, as the command does.
func parseFlags(name string, args []string, stderr io.Writer, register func(*pflag.FlagSet)) error {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(stderr)
	register(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q", name, fs.Arg(0))
	}
	return nil
}

// parseBuyFlags parses and checks the flags of `agent buy`.
func parseBuyFlags(args []string, stderr io.Writer, env func(string) string) (agent.BuyOptions, error) {
	var o agent.BuyOptions
	var shipTo string
	if err := parseFlags("agent buy", args, stderr, func(fs *pflag.FlagSet) { buyFlags(fs, &o, &shipTo, env) }); err != nil {
		return o, err
	}
	return o, checkBuyOptions(&o, shipTo)
}

// parseConformanceFlags parses and checks the flags of `conformance`.
func parseConformanceFlags(args []string, stderr io.Writer, env func(string) string) (conformanceOptions, error) {
	var o conformanceOptions
	if err := parseFlags("conformance", args, stderr, func(fs *pflag.FlagSet) { o.register(fs, env) }); err != nil {
		return o, err
	}
	return o, o.check()
}

// parseBenchFlags parses and checks the flags of `bench`.
func parseBenchFlags(args []string, stderr io.Writer, env func(string) string) (benchOptions, error) {
	var o benchOptions
	if err := parseFlags("bench", args, stderr, func(fs *pflag.FlagSet) { o.register(fs, env) }); err != nil {
		return o, err
	}
	return o, o.check()
}

// runConformance runs `agentshop conformance ARGS…`.
func runConformance(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	_, err := execute(ctx, append([]string{"conformance"}, args...), stdout, stderr, os.Getenv)
	return err
}

// runBench runs `agentshop bench ARGS…`.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	_, err := execute(ctx, append([]string{"bench"}, args...), stdout, stderr, os.Getenv)
	return err
}
