package secretbox

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

const ad = "api_keys.signing_secret:key_1"

func TestRoundTrip(t *testing.T) {
	k, _ := GenerateKey()
	b := NewBox(k)
	for _, plain := range []string{"", "whsec_abc", strings.Repeat("x", 4096)} {
		s := b.Seal([]byte(plain), ad)
		if !IsSealed(s) || !strings.HasPrefix(s, "sb1."+k.ID()+".") {
			t.Fatalf("Seal = %q, want sb1.%s.…", s, k.ID())
		}
		if plain != "" && strings.Contains(s, plain) {
			t.Fatalf("sealed value holds the plaintext: %s", s)
		}
		got, err := b.Open(s, ad)
		if err != nil || string(got) != plain {
			t.Fatalf("Open = %q, %v; want %q", got, err, plain)
		}
	}
	// A fresh nonce every time: the same plaintext seals differently.
	if s1, s2 := b.Seal([]byte("same"), ad), b.Seal([]byte("same"), ad); s1 == s2 {
		t.Error("two seals of one plaintext are equal: the nonce repeats")
	}
}

// TestTamper: a changed byte anywhere, another row's additional data, an
// edited key id or a truncated value do not open.
func TestTamper(t *testing.T) {
	k, _ := GenerateKey()
	other, _ := GenerateKey()
	b := NewBox(k, other)
	s := b.Seal([]byte("whsec_secret"), ad)
	body := s[len("sb1.")+17:]
	raw, _ := base64.RawURLEncoding.DecodeString(body)
	tests := []struct {
		name   string
		sealed string
		ad     string
		want   error
	}{
		{"OtherRow", s, "api_keys.signing_secret:key_2", ErrOpen},
		{"OtherKeyID", "sb1." + other.ID() + "." + body, ad, ErrOpen},
		{"UnknownKeyID", "sb1.0123456789abcdef." + body, ad, ErrUnknownKey},
		{"Truncated", s[:len(s)-4], ad, ErrOpen},
		{"TooShort", "sb1." + k.ID() + ".AAAA", ad, ErrMalformed},
		{"NotSealed", "whsec_secret", ad, ErrMalformed},
		{"BadBase64", "sb1." + k.ID() + ".!!!!", ad, ErrMalformed},
	}
	for i := range raw {
		flipped := bytes.Clone(raw)
		flipped[i] ^= 0x01
		tests = append(tests, struct {
			name   string
			sealed string
			ad     string
			want   error
		}{fmt.Sprintf("FlipByte%d", i), "sb1." + k.ID() + "." + base64.RawURLEncoding.EncodeToString(flipped), ad, ErrOpen})
	}
	for _, tt := range tests {
		if _, err := b.Open(tt.sealed, tt.ad); !errors.Is(err, tt.want) {
			t.Errorf("%s: Open error %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestWrongKey(t *testing.T) {
	k, _ := GenerateKey()
	wrong, _ := GenerateKey()
	s := NewBox(k).Seal([]byte("whsec_secret"), ad)
	_, err := NewBox(wrong).Open(s, ad)
	if !errors.Is(err, ErrUnknownKey) || !strings.Contains(err.Error(), k.ID()) {
		t.Errorf("Open under the wrong key: %v, want ErrUnknownKey naming %s", err, k.ID())
	}
}

// TestRotation: a box with the new key primary and the old one kept opens
// values of both and seals under the new one; once the old key is dropped
// only re-sealed values open.
func TestRotation(t *testing.T) {
	oldKey, _ := GenerateKey()
	newKey, _ := GenerateKey()
	before := NewBox(oldKey).Seal([]byte("whsec_1"), ad)
	during := NewBox(newKey, oldKey)
	plain, err := during.Open(before, ad)
	if err != nil || string(plain) != "whsec_1" {
		t.Fatalf("open an old value during rotation: %q, %v", plain, err)
	}
	resealed := during.Seal(plain, ad)
	if id, _ := KeyID(resealed); id != newKey.ID() {
		t.Fatalf("re-sealed under %s, want the new key %s", id, newKey.ID())
	}
	after := NewBox(newKey)
	if _, err := after.Open(resealed, ad); err != nil {
		t.Errorf("open a re-sealed value with the new key alone: %v", err)
	}
	if _, err := after.Open(before, ad); !errors.Is(err, ErrUnknownKey) {
		t.Errorf("open an old value with the new key alone: %v, want ErrUnknownKey", err)
	}
	if !during.Has(oldKey.ID()) || after.Has(oldKey.ID()) || during.Primary() != newKey {
		t.Error("Has/Primary disagree with the box's keys")
	}
}

func TestParseKey(t *testing.T) {
	raw := bytes.Repeat([]byte{0xab}, KeySize)
	want, _ := NewKey(raw)
	good := []string{
		hex.EncodeToString(raw),
		strings.ToUpper(hex.EncodeToString(raw)),
		base64.StdEncoding.EncodeToString(raw) + "\n",
		base64.RawURLEncoding.EncodeToString(raw),
		"  " + base64.URLEncoding.EncodeToString(raw) + "  ",
	}
	for _, s := range good {
		k, err := ParseKey(s)
		if err != nil || k.ID() != want.ID() {
			t.Errorf("ParseKey(%q) = %v, %v; want key %s", s, k, err, want.ID())
		}
	}
	bad := []string{"", "short", hex.EncodeToString(raw[:31]), base64.StdEncoding.EncodeToString(raw[:16]), strings.Repeat("z", 64)}
	for _, s := range bad {
		if _, err := ParseKey(s); !errors.Is(err, ErrBadKey) {
			t.Errorf("ParseKey(%q): %v, want ErrBadKey", s, err)
		}
	}
	_, text := GenerateKey()
	if _, err := ParseKey(text); err != nil {
		t.Errorf("ParseKey(GenerateKey's text): %v", err)
	}
}

// TestKeyNeverPrinted: a key's String, LogValue and %v show its id only.
func TestKeyNeverPrinted(t *testing.T) {
	raw := bytes.Repeat([]byte{0x5a}, KeySize)
	k, _ := NewKey(raw)
	var logs bytes.Buffer
	slog.New(slog.NewTextHandler(&logs, nil)).Info("loaded", "key", k)
	for _, out := range []string{k.String(), fmt.Sprintf("%v %+v %s", k, k, k), logs.String()} {
		for _, enc := range []string{hex.EncodeToString(raw), base64.StdEncoding.EncodeToString(raw), string(raw)} {
			if strings.Contains(out, enc) {
				t.Errorf("key bytes printed: %s", out)
			}
		}
	}
}
