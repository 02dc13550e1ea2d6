package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"agentshop/internal/secretbox"
	"agentshop/internal/store"
)

// MasterKeyFileName is the master key file that serve generates in the
// data directory on the first start of a SQLite database given no key.
const MasterKeyFileName = "master.key"

// ErrNoMasterKey is returned when secrets must be sealed or opened and no
// master key is configured.
var ErrNoMasterKey = errors.New("no master key: set AGENTSHOP_MASTER_KEY or --master-key-file (AGENTSHOP_MASTER_KEY_FILE)")

// masterKey is the configured master key and where it came from.
type masterKey struct {
	key *secretbox.Key // nil: none configured (or the default file is absent)
	// file is the key file: the one read, or the default one to write;
	// "" when the key came from AGENTSHOP_MASTER_KEY or there is none.
	file string
	// pending is file+".new", the new key of an interrupted rotation.
	pending *secretbox.Key
}

// box is the box of the key (and the pending one); nil without a key.
func (m masterKey) box() *secretbox.Box {
	if m.key == nil {
		return nil
	}
	return secretbox.NewBox(m.key, m.pending)
}

// loadMasterKey resolves the master key: AGENTSHOP_MASTER_KEY, else the
// --master-key-file, else, for SQLite, <data>/master.key when it exists.
// PostgreSQL has no default file: replicas must share one key, so it is
// given explicitly.
func loadMasterKey(cfg Config, log *slog.Logger) (masterKey, error) {
	if cfg.MasterKey != "" && cfg.MasterKeyFile != "" {
		return masterKey{}, errors.New("master key: set AGENTSHOP_MASTER_KEY or --master-key-file, not both")
	}
	if cfg.MasterKey != "" {
		k, err := secretbox.ParseKey(cfg.MasterKey)
		if err != nil {
			return masterKey{}, fmt.Errorf("AGENTSHOP_MASTER_KEY: %w", err)
		}
		return masterKey{key: k}, nil
	}
	file, explicit := cfg.MasterKeyFile, cfg.MasterKeyFile != ""
	if !explicit {
		if isPostgres(cfg) {
			return masterKey{}, nil
		}
		file = filepath.Join(cfg.Data, MasterKeyFileName)
	}
	m := masterKey{file: file}
	k, err := readKeyFile(file, log)
	switch {
	case errors.Is(err, fs.ErrNotExist) && !explicit:
		return m, nil
	case err != nil:
		return masterKey{}, err
	}
	m.key = k
	if p, err := readKeyFile(file+".new", log); err == nil {
		m.pending = p
		log.Warn("a master key rotation was interrupted: secrets sealed under either key open; run 'agentshop keys rotate-master' again to finish it", "file", file+".new", "key_id", p.ID())
	} else if !errors.Is(err, fs.ErrNotExist) {
		return masterKey{}, err
	}
	return m, nil
}

// readKeyFile reads a master key file, warning when others may read it.
func readKeyFile(file string, log *slog.Logger) (*secretbox.Key, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("master key file: %w", err)
	}
	k, err := secretbox.ParseKey(string(b))
	if err != nil {
		return nil, fmt.Errorf("master key file %s: %w", file, err)
	}
	if fi, err := os.Stat(file); err == nil && fi.Mode().Perm()&0o077 != 0 {
		log.Warn("the master key file is readable by other users: chmod 600 it", "file", file, "mode", fi.Mode().Perm().String())
	}
	return k, nil
}

// writeKeyFile creates file (0600, never over an existing one) holding
// text, and syncs it and its directory: the key must be on disk before
// anything is sealed under it.
func writeKeyFile(file, text string) error {
	if err := os.MkdirAll(filepath.Dir(file), 0o700); err != nil {
		return fmt.Errorf("master key file: %w", err)
	}
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("master key file: %w", err)
	}
	_, err = f.WriteString(text + "\n")
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(file)
		return fmt.Errorf("master key file %s: %w", file, err)
	}
	return syncDir(filepath.Dir(file))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}

// openSecrets opens the store with the master key and checks that the key
// opens every secret the database holds. On the first start of a SQLite
// database without a key (not existing: serve), it generates
// <data>/master.key, once it has seen that the database holds no sealed
// secret, and says so loudly. Secrets stored in clear by an older version
// are sealed. It returns the store and its box (nil: no key).
func openSecrets(ctx context.Context, cfg Config, existing bool, log *slog.Logger, open func(*secretbox.Box) (store.Store, error)) (store.Store, masterKey, error) {
	m, err := loadMasterKey(cfg, log)
	if err != nil {
		return nil, m, err
	}
	var generated string
	if m.key == nil && m.file != "" && !existing {
		m.key, generated = secretbox.GenerateKey()
	}
	st, err := open(m.box())
	if err != nil {
		return nil, m, err
	}
	fail := func(err error) (store.Store, masterKey, error) {
		_ = st.Close()
		return nil, m, err
	}
	counts, err := st.SealedSecrets(ctx)
	if err != nil {
		return fail(fmt.Errorf("master key: %w", err))
	}
	var unknown []string
	sealed := 0
	for id, n := range counts {
		if id != "" {
			sealed += n
			if m.key == nil || generated != "" || !m.box().Has(id) {
				unknown = append(unknown, id)
			}
		}
	}
	slices.Sort(unknown)
	switch {
	case len(unknown) > 0 && (m.key == nil || generated != ""):
		return fail(fmt.Errorf("the database holds %d encrypted secrets (master key %s) but no master key is given: set AGENTSHOP_MASTER_KEY or --master-key-file (AGENTSHOP_MASTER_KEY_FILE) to that key", sealed, strings.Join(unknown, ", ")))
	case len(unknown) > 0:
		return fail(fmt.Errorf("the database holds secrets sealed under master key %s, but the given master key is %s: give that key, or finish 'agentshop keys rotate-master'", strings.Join(unknown, ", "), m.key.ID()))
	}
	if generated != "" {
		if err := writeKeyFile(m.file, generated); err != nil {
			_ = st.Close()
			if errors.Is(err, fs.ErrExist) {
				// Another process starting on the same directory wrote it
				// first: use that one.
				return openSecrets(ctx, cfg, existing, log, open)
			}
			return nil, m, err
		}
		abs, _ := filepath.Abs(m.file)
		log.Warn("GENERATED A MASTER KEY for the secrets kept in the database (API keys' signing secrets). "+
			"Back it up apart from the database: without it those secrets are lost. "+
			"In production give the key yourself (AGENTSHOP_MASTER_KEY or --master-key-file) and keep it off the data volume.",
			"file", abs, "key_id", m.key.ID())
	}
	if clear := counts[""]; clear > 0 {
		if m.key == nil {
			log.Warn("signing secrets are stored in clear: set AGENTSHOP_MASTER_KEY to encrypt them", "count", clear)
		} else {
			n, err := st.ResealSecrets(ctx, secretbox.NewBox(m.key, m.pending))
			if err != nil {
				return fail(fmt.Errorf("encrypt the signing secrets stored in clear: %w", err))
			}
			log.Info("encrypted the signing secrets an older version stored in clear", "count", n, "key_id", m.key.ID())
		}
	}
	if m.key == nil && !existing {
		log.Warn("no master key (AGENTSHOP_MASTER_KEY or --master-key-file): API keys with signing secrets cannot be created")
	}
	return st, m, nil
}

// RotateResult is what [App.RotateMasterKey] did.
type RotateResult struct {
	// Resealed is how many secrets it re-encrypted (0 on a rerun).
	Resealed int
	// KeyID names the new master key.
	KeyID string
	// File is the key file now holding the new key; "" when it came from
	// AGENTSHOP_NEW_MASTER_KEY.
	File string
	// Replaced is true when File replaced the master key file in place.
	Replaced bool
}

// RotateMasterKey re-encrypts every secret the database holds under a new
// master key, in one transaction. The new key is AGENTSHOP_NEW_MASTER_KEY,
// or the file to (generated, 0600, when it does not exist), or, when the
// current key is a file and neither is given, a key generated into
// <file>.new that replaces the file once the secrets are re-encrypted.
// Each step can be interrupted and the command run again: the new key is
// on disk before anything is sealed under it, the transaction re-encrypts
// all or nothing, a rerun skips what the new key already seals, and serve
// opens secrets under either key while <file>.new exists.
func (a *App) RotateMasterKey(ctx context.Context, to string) (RotateResult, error) {
	cur := a.master
	var res RotateResult
	var newKey *secretbox.Key
	staged := false
	switch {
	case a.Config.NewMasterKey != "" && to != "":
		return res, errors.New("rotate master key: set AGENTSHOP_NEW_MASTER_KEY or --new-master-key-file, not both")
	case a.Config.NewMasterKey != "":
		k, err := secretbox.ParseKey(a.Config.NewMasterKey)
		if err != nil {
			return res, fmt.Errorf("AGENTSHOP_NEW_MASTER_KEY: %w", err)
		}
		newKey = k
	default:
		if to == "" {
			switch {
			case cur.file == "":
				return res, errors.New("rotate master key: the current key comes from AGENTSHOP_MASTER_KEY: give the new one with --new-master-key-file FILE (generated when absent) or AGENTSHOP_NEW_MASTER_KEY")
			case cur.key == nil:
				to = cur.file // no key yet: the default file is the first
			default:
				to, staged = cur.file+".new", true
			}
		}
		k, err := readKeyFile(to, a.Logger)
		if errors.Is(err, fs.ErrNotExist) {
			var text string
			k, text = secretbox.GenerateKey()
			err = writeKeyFile(to, text)
		}
		if err != nil {
			return res, fmt.Errorf("rotate master key: %w", err)
		}
		newKey, res.File = k, to
	}
	box := secretbox.NewBox(newKey, cur.key, cur.pending)
	n, err := a.Store.ResealSecrets(ctx, box)
	if err != nil {
		return res, fmt.Errorf("rotate master key: %w", err)
	}
	res.Resealed, res.KeyID = n, newKey.ID()
	if staged {
		if err := os.Rename(to, cur.file); err != nil {
			return res, fmt.Errorf("rotate master key: replace %s: %w", cur.file, err)
		}
		if err := syncDir(filepath.Dir(cur.file)); err != nil {
			return res, fmt.Errorf("rotate master key: %w", err)
		}
		res.File, res.Replaced = cur.file, true
	}
	a.master = masterKey{key: newKey, file: res.File}
	return res, nil
}
