// Package secretbox seals the recoverable secrets agentshop keeps at rest
// (today the agent API keys' request-signing secrets, which the server
// must read back to verify HMAC signatures, so they cannot be hashed)
// with AES-256-GCM under a master key.
//
// A sealed value is text, so that it fits the column it replaces:
//
//	sb1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>
//
// with a random 96-bit nonce per seal. The key id (16 hex digits derived
// from the key, [Key.ID]) names the master key that sealed the value, so
// that a [Box] holding the old and the new key opens both while a
// rotation re-seals every row, and a wrong key is reported as such rather
// than as tampering. The caller's additional data (the row's table,
// column and id) and the prefix are authenticated with the ciphertext: a
// value copied to another row, or its key id edited, does not open.
//
// The package imports only the standard library; the stores
// (internal/store/sqlite, internal/store/postgres) seal and open with it,
// and internal/app loads the master key.
package secretbox

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
)

// KeySize is the length of a master key in bytes (AES-256).
const KeySize = 32

// prefix starts every sealed value: the format's version.
const prefix = "sb1."

// Errors of [Box.Open] and [ParseKey]; each is wrapped with detail.
var (
	// ErrMalformed: the value is not a sealed value of this format.
	ErrMalformed = errors.New("secretbox: malformed sealed value")
	// ErrUnknownKey: the value is sealed under a master key the box does
	// not hold (a wrong or missing master key).
	ErrUnknownKey = errors.New("secretbox: sealed under another master key")
	// ErrOpen: the value does not authenticate under its key and
	// additional data: it was altered, or moved from another row.
	ErrOpen = errors.New("secretbox: sealed value does not authenticate")
	// ErrBadKey: a master key is not 32 bytes in hex or base64.
	ErrBadKey = errors.New("secretbox: a master key is 32 bytes, in hex (64 digits) or base64")
)

// Key is a master key. It never prints its bytes: its String and
// LogValue show only its id.
type Key struct {
	id   string
	aead cipher.AEAD
}

// NewKey returns the master key of raw, which must be [KeySize] bytes.
func NewKey(raw []byte) (*Key, error) {
	if len(raw) != KeySize {
		return nil, fmt.Errorf("%w (got %d bytes)", ErrBadKey, len(raw))
	}
	block, err := aes.NewCipher(raw)
	if err != nil {
		return nil, fmt.Errorf("secretbox: new key: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("secretbox: new key: %w", err)
	}
	// The id is a hash of the key under a fixed label: it names the key
	// without telling anything about it.
	sum := sha256.Sum256(append([]byte("agentshop secretbox key id\x00"), raw...))
	return &Key{id: hex.EncodeToString(sum[:8]), aead: aead}, nil
}

// ParseKey reads a master key written as 64 hex digits or as base64
// (standard or URL alphabet, padded or not) of 32 bytes; surrounding
// white space is ignored, so a key file may end in a newline.
func ParseKey(text string) (*Key, error) {
	s := strings.TrimSpace(text)
	if len(s) == 2*KeySize {
		if raw, err := hex.DecodeString(s); err == nil {
			return NewKey(raw)
		}
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if raw, err := enc.DecodeString(s); err == nil && len(raw) == KeySize {
			return NewKey(raw)
		}
	}
	return nil, ErrBadKey
}

// GenerateKey returns a new random master key and its text (base64, as
// [ParseKey] reads it), to be written to a key file.
func GenerateKey() (*Key, string) {
	raw := make([]byte, KeySize)
	_, _ = rand.Read(raw) // crypto/rand.Read never fails (Go 1.24+)
	k, err := NewKey(raw)
	if err != nil {
		panic(err) // unreachable: raw has KeySize bytes
	}
	return k, base64.StdEncoding.EncodeToString(raw)
}

// ID names the key in sealed values and messages.
func (k *Key) ID() string { return k.id }

// String shows the key's id only.
func (k *Key) String() string { return "master key " + k.id }

// LogValue logs the key's id only.
func (k *Key) LogValue() slog.Value { return slog.StringValue(k.String()) }

// Box seals under its primary key and opens values sealed under any of
// its keys. It is safe for concurrent use.
type Box struct {
	primary *Key
	keys    map[string]*Key
}

// NewBox returns a box that seals under primary and also opens values
// sealed under others (the keys being rotated away from).
func NewBox(primary *Key, others ...*Key) *Box {
	b := &Box{primary: primary, keys: map[string]*Key{primary.id: primary}}
	for _, k := range others {
		if k != nil {
			b.keys[k.id] = k
		}
	}
	return b
}

// Primary is the key the box seals under.
func (b *Box) Primary() *Key { return b.primary }

// Has reports whether the box holds the key with id.
func (b *Box) Has(id string) bool { _, ok := b.keys[id]; return ok }

// Seal encrypts plaintext under the primary key, binding it to ad (name
// the row: table, column and id), and returns the sealed text.
func (b *Box) Seal(plaintext []byte, ad string) string {
	k := b.primary
	head := prefix + k.id + "."
	nonce := make([]byte, k.aead.NonceSize(), k.aead.NonceSize()+len(plaintext)+k.aead.Overhead())
	_, _ = rand.Read(nonce)
	out := k.aead.Seal(nonce, nonce, plaintext, []byte(head+ad))
	return head + base64.RawURLEncoding.EncodeToString(out)
}

// Open decrypts a value made by Seal with the same ad. Errors wrap
// [ErrMalformed], [ErrUnknownKey] or [ErrOpen].
func (b *Box) Open(sealed, ad string) ([]byte, error) {
	id, body, ok := split(sealed)
	if !ok {
		return nil, ErrMalformed
	}
	k, ok := b.keys[id]
	if !ok {
		return nil, fmt.Errorf("%w %s", ErrUnknownKey, id)
	}
	raw, err := base64.RawURLEncoding.DecodeString(body)
	if err != nil || len(raw) < k.aead.NonceSize()+k.aead.Overhead() {
		return nil, ErrMalformed
	}
	n := k.aead.NonceSize()
	plain, err := k.aead.Open(nil, raw[:n], raw[n:], []byte(prefix+id+"."+ad))
	if err != nil {
		return nil, ErrOpen
	}
	return plain, nil
}

// IsSealed reports whether s has the form of a sealed value (it may
// still fail to open). A value stored before sealing existed is not.
func IsSealed(s string) bool {
	_, _, ok := split(s)
	return ok
}

// KeyID returns the id of the key that sealed s, and false when s is not
// a sealed value.
func KeyID(s string) (string, bool) {
	id, _, ok := split(s)
	return id, ok
}

func split(s string) (id, body string, ok bool) {
	rest, ok := strings.CutPrefix(s, prefix)
	if !ok {
		return "", "", false
	}
	id, body, ok = strings.Cut(rest, ".")
	if !ok || len(id) != 16 || body == "" {
		return "", "", false
	}
	if _, err := hex.DecodeString(id); err != nil {
		return "", "", false
	}
	return id, body, true
}
