package main

import (
	"context"
	"errors"
	"io"
)

// runConformance checks an ACP merchant. Not built yet.
func runConformance(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	return errors.New("conformance: not built yet")
}
