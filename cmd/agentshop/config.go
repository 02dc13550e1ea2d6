package main

import (
	"flag"
	"strings"

	"agentshop/internal/app"
)

// Config is the configuration of serve and the admin commands.
type Config = app.Config

// DefaultConfig is the configuration that runs with nothing set.
func DefaultConfig() Config { return app.DefaultConfig() }

// loadConfig reads the config file (if any), the environment and flags.
func loadConfig(fs *flag.FlagSet, args []string, env func(string) string) (Config, error) {
	file := env(app.EnvConfig)
	// A first pass finds --config so the file's values become flag defaults.
	for i, a := range args {
		if v, ok := strings.CutPrefix(a, "--config="); ok {
			file = v
		} else if (a == "--config" || a == "-config") && i+1 < len(args) {
			file = args[i+1]
		}
	}
	cfg, err := app.Load(file, env)
	if err != nil {
		return cfg, err
	}
	fs.String("config", file, "JSON config file (env AGENTSHOP_CONFIG)")
	for _, s := range app.Settings() {
		p := s.Value(&cfg)
		fs.StringVar(p, s.Flag, *p, s.Usage+" (env "+s.Env+")")
	}
	fs.BoolVar(&cfg.Shop.BehindProxy, "behind-proxy", cfg.Shop.BehindProxy, "a tunnel or reverse proxy forwards a public host: turn off the MCP endpoints' DNS-rebinding protection (env AGENTSHOP_BEHIND_PROXY)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate()
}
