package main

import (
	"context"
	"errors"
	"io"
)

// runBench load-tests an ACP merchant. Not built yet.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("bench: not built yet")
}
