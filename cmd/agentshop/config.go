package main

import (
	"context"
	"errors"
	"slices"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"agentshop/internal/app"
	"agentshop/internal/commerce"
)

// Config is the configuration of serve and the admin commands.
type Config = app.Config

// DefaultConfig is the configuration that runs with nothing set.
func DefaultConfig() Config { return app.DefaultConfig() }

// configFlags are a command's configuration flags: --config and some (or
// all) of [app.Settings]. They override the config file and the
// environment only when given.
type configFlags struct {
	fs          *pflag.FlagSet
	file        string
	values      map[string]*string
	behindProxy bool
}

// addConfigFlags registers --config and the settings named (every one,
// and --behind-proxy, when none is).
func addConfigFlags(fs *pflag.FlagSet, names ...string) *configFlags {
	f := &configFlags{fs: fs, values: map[string]*string{}}
	def := app.DefaultConfig()
	fs.StringVar(&f.file, "config", "", "JSON config file (env "+app.EnvConfig+")")
	for _, s := range app.Settings() {
		if len(names) > 0 && !slices.Contains(names, s.Flag) {
			continue
		}
		f.values[s.Flag] = fs.String(s.Flag, *s.Value(&def), s.Usage+" (env "+s.Env+")")
	}
	if len(names) == 0 {
		fs.BoolVar(&f.behindProxy, "behind-proxy", false, "a tunnel or reverse proxy forwards a public host: turn off the MCP endpoints' DNS-rebinding protection (env "+app.EnvBehindProxy+")")
	}
	return f
}

// load returns the configuration: defaults, the config file (--config,
// else $AGENTSHOP_CONFIG), the environment, then the flags given; checked.
func (f *configFlags) load(env func(string) string) (Config, error) {
	file := env(app.EnvConfig)
	if f.fs.Changed("config") {
		file = f.file
	}
	cfg, err := app.Load(file, env)
	if err != nil {
		return cfg, err
	}
	for _, s := range app.Settings() {
		if v, ok := f.values[s.Flag]; ok && f.fs.Changed(s.Flag) {
			*s.Value(&cfg) = *v
		}
	}
	if f.fs.Changed("behind-proxy") {
		cfg.Shop.BehindProxy = f.behindProxy
	}
	return cfg, cfg.Validate()
}

// openAdmin opens the application on the existing database the flags
// name, for an admin command: no surfaces, no workers, logs to stderr.
func (c *shell) openAdmin(ctx context.Context, f *configFlags) (*app.App, error) {
	cfg, err := f.load(c.env)
	if err != nil {
		return nil, err
	}
	return app.New(ctx, cfg, app.Options{Logs: c.stderr, Existing: true})
}

// withAdmin is the RunE of an admin command: it opens the application on
// the existing database the flags name (openAdmin), runs fn with it and
// closes it. A commerce error other than an internal or unavailable one
// is printed as its client-safe message alone.
func (c *shell) withAdmin(f *configFlags, fn func(ctx context.Context, a *app.App, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		a, err := c.openAdmin(cmd.Context(), f)
		if err != nil {
			return err
		}
		defer a.Close()
		err = fn(cmd.Context(), a, args)
		if e, ok := errors.AsType[*commerce.Error](err); ok && e.Code != commerce.EINTERNAL && e.Code != commerce.EUNAVAILABLE {
			return errors.New(e.Message)
		}
		return err
	}
}
