package sqlite

import (
	_ "embed"
	"encoding/binary"
	"fmt"

	"github.com/klauspost/compress/s2"
)

// Stored idempotent responses are compressed. A response is a 1–3 KB JSON
// document, so uncompressed each row filled a 4 KiB page of its own: a
// quarter of the WAL frames written per purchase, and half the database.
// S2 (Snappy's successor) with a preset dictionary of typical responses
// stores a session response in about a tenth of its size for about 2 µs of
// CPU. That matters because it runs on the single writer goroutine: the
// standard library's DEFLATE with the same dictionary took 20–25 µs and
// cost 10 % of throughput (BENCHMARKS.md), which is why this package
// depends on github.com/klauspost/compress.
//
// The dictionary is part of the stored format: rows written with it are
// read back with it for as long as they live. Never edit
// idempotency_dict.json (typical responses of both API versions, captured
// from the demo shop); add a new file and encoding instead.
// TestBodyDictionaryPinned guards it.

// Values of idempotency_keys.body_encoding.
const (
	bodyRaw  = 0 // stored as is
	bodyS2V1 = 1 // an S2 block made with bodyDictV1

	minCompressLen = 256
	// maxBodyLen bounds a stored response's decoded length: responses are
	// a few KB, far below it.
	maxBodyLen = 16 << 20
)

//go:embed idempotency_dict.json
var bodyDictV1Text []byte

// bodyDictV1 is the dictionary in S2's serialized form: the repeat offset
// (0) as a uvarint, then the text.
var bodyDictV1 = s2.NewDict(append(binary.AppendUvarint(nil, 0), bodyDictV1Text...))

// encodeBody returns body as stored and its encoding: compressed when that
// is smaller, as is otherwise (short bodies, the empty body).
func encodeBody(body []byte) (int, []byte) {
	if len(body) < minCompressLen {
		return bodyRaw, body
	}
	c := bodyDictV1.Encode(nil, body)
	if len(c) >= len(body) {
		return bodyRaw, body
	}
	return bodyS2V1, c
}

// decodeBody reverses encodeBody.
func decodeBody(encoding int, stored []byte) ([]byte, error) {
	switch encoding {
	case bodyRaw:
		return stored, nil
	case bodyS2V1:
		// The block states its decoded length; a damaged one must not make
		// us allocate gigabytes.
		if n, err := s2.DecodedLen(stored); err != nil || n > maxBodyLen {
			return nil, fmt.Errorf("stored response is damaged (decoded length %d, %v)", n, err)
		}
		body, err := bodyDictV1.Decode(nil, stored)
		if err != nil {
			return nil, fmt.Errorf("decompress stored response: %w", err)
		}
		return body, nil
	default:
		return nil, fmt.Errorf("stored response has unknown encoding %d", encoding)
	}
}
