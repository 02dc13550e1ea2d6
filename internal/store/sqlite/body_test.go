package sqlite

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"testing"
)

// The dictionary is part of the stored format (see body.go).
func TestBodyDictionaryPinned(t *testing.T) {
	const want = "78d6d9292e756009d49bccd9db2b5ed237b2a68ab06e83a138b41e47c2bc870a"
	sum := sha256.Sum256(bodyDictV1Text)
	if got := hex.EncodeToString(sum[:]); got != want {
		t.Fatalf("idempotency_dict.json changed (sha256 %s): stored responses need the dictionary they were written with; add a new dictionary and encoding instead", got)
	}
}

func TestEncodeBody(t *testing.T) {
	// A response like the ones the dictionary was made from, with other
	// ids, items and times.
	typical := bytes.ReplaceAll(bodyDictV1Text[bytes.LastIndexByte(bodyDictV1Text[:len(bodyDictV1Text)-1], '\n')+1:], []byte("gift-card-25"), []byte("mug-blue-xl"))
	typical = bytes.ReplaceAll(typical, []byte("2026-12-04"), []byte("2027-01-31"))
	noise := make([]byte, 1000)
	_, _ = rand.NewChaCha8([32]byte{1}).Read(noise)
	tests := []struct {
		name     string
		body     []byte
		encoding int
		maxRatio float64
	}{
		{"empty", []byte{}, bodyRaw, 1},
		{"short", []byte(`{"id":"cs_1"}`), bodyRaw, 1},
		{"typical response", typical, bodyS2V1, 0.25},
		{"incompressible", noise, bodyRaw, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			enc, stored := encodeBody(tt.body)
			if enc != tt.encoding {
				t.Fatalf("encoding = %d, want %d", enc, tt.encoding)
			}
			if r := float64(len(stored)) / float64(max(len(tt.body), 1)); len(tt.body) > 0 && r > tt.maxRatio {
				t.Errorf("stored %d of %d bytes (%.2f), want at most %.2f", len(stored), len(tt.body), r, tt.maxRatio)
			}
			got, err := decodeBody(enc, stored)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.body) {
				t.Errorf("decodeBody(encodeBody(b)) = %q, want %q", got, tt.body)
			}
		})
	}
	if _, err := decodeBody(7, []byte("x")); err == nil {
		t.Error("decodeBody accepted an unknown encoding")
	}
	if _, err := decodeBody(bodyS2V1, []byte("not s2")); err == nil {
		t.Error("decodeBody accepted corrupt data")
	}
	// A block claiming 1 GiB (its uvarint length prefix) is refused before
	// anything is allocated.
	if _, err := decodeBody(bodyS2V1, append(binary.AppendUvarint(nil, 1<<30), 0)); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("decodeBody of a block claiming 1 GiB: %v, want it refused as damaged", err)
	}
}

// BenchmarkBody measures storing and reading back a typical session
// response (BENCHMARKS.md): the encoding runs on the writer goroutine.
func BenchmarkBody(b *testing.B) {
	body := bodyDictV1Text[bytes.LastIndexByte(bodyDictV1Text[:len(bodyDictV1Text)-1], '\n')+1:]
	body = bytes.ReplaceAll(body, []byte("gift-card-25"), []byte("mug-blue-xl"))
	_, stored := encodeBody(body)
	b.Run("encode", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		b.ReportMetric(float64(len(stored))/float64(len(body)), "ratio")
		for b.Loop() {
			encodeBody(body)
		}
	})
	b.Run("decode", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			if _, err := decodeBody(bodyS2V1, stored); err != nil {
				b.Fatal(err)
			}
		}
	})
}
