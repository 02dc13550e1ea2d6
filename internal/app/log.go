package app

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// logSettings returns format and level in lower case, or an error naming
// the accepted values when one is unknown. Both are case-insensitive, so
// that AGENTSHOP_LOG_FORMAT=JSON means JSON.
func logSettings(format, level string) (string, string, error) {
	format, level = strings.ToLower(format), strings.ToLower(level)
	if format != "text" && format != "json" {
		return "", "", fmt.Errorf("log format %q: want text or json", format)
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		return "", "", fmt.Errorf("log level %q: want debug, info, warn or error", level)
	}
	return format, level, nil
}

// NewLogger returns a logger writing to w in format ("text" or "json") at
// level ("debug", "info", "warn" or "error"), both case-insensitive.
func NewLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	format, level, err := logSettings(format, level)
	if err != nil {
		return nil, err
	}
	var lv slog.Level
	_ = lv.UnmarshalText([]byte(level)) // checked by logSettings
	opts := &slog.HandlerOptions{Level: lv}
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}
