package storetest

import (
	stdjson "encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	json "github.com/segmentio/encoding/json"

	"agentshop/internal/commerce"
	"agentshop/internal/payment/sandbox"
)

// The stores keep sessions, payments, orders and vault tokens as JSON made
// by github.com/segmentio/encoding/json (3× faster to decode than
// encoding/json, and decoding runs on SQLite's single writer). Rows written
// by earlier builds used encoding/json, so both must read what the other
// wrote, for every field: fill sets all of them, including ones added later.
func TestDataCodecAgreesWithEncodingJSON(t *testing.T) {
	for _, v := range []any{&commerce.Session{}, &commerce.Payment{}, &commerce.Order{}, &sandbox.VaultToken{}} {
		t.Run(reflect.TypeOf(v).Elem().Name(), func(t *testing.T) {
			n := 0
			fill(reflect.ValueOf(v).Elem(), &n)
			for _, c := range []struct {
				name   string
				encode func(any) ([]byte, error)
				decode func([]byte, any) error
			}{
				{"encoding/json → segmentio", stdjson.Marshal, json.Unmarshal},
				{"segmentio → encoding/json", json.Marshal, stdjson.Unmarshal},
				{"segmentio → segmentio", json.Marshal, json.Unmarshal},
			} {
				b, err := c.encode(v)
				if err != nil {
					t.Fatalf("%s: encode: %v", c.name, err)
				}
				got := reflect.New(reflect.TypeOf(v).Elem()).Interface()
				if err := c.decode(b, got); err != nil {
					t.Fatalf("%s: decode: %v", c.name, err)
				}
				if d := cmp.Diff(v, got); d != "" {
					t.Errorf("%s: round trip (-want +got):\n%s", c.name, d)
				}
			}
			// The two encoders also agree byte for byte, so a stored row
			// does not depend on which build wrote it.
			a, _ := stdjson.Marshal(v)
			b, _ := json.Marshal(v)
			if string(a) != string(b) {
				t.Errorf("encodings differ:\nencoding/json %s\nsegmentio     %s", a, b)
			}
		})
	}
}

// fill sets every field reachable from v to a distinct non-zero value:
// strings, numbers, times, one-element slices and maps, non-nil pointers;
// struct fields tagged json:"-" are left zero.
func fill(v reflect.Value, n *int) {
	*n++
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d <&> \u00e9", *n))
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		v.SetInt(int64(*n))
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(*n))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Float32, reflect.Float64:
		v.SetFloat(float64(*n) + 0.25)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem(), n)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0), n)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k, n)
		fill(e, n)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2026, 12, 5, 8, 0, *n, 123456000, time.UTC)))
			return
		}
		for i := range v.NumField() {
			// Fields outside the JSON (json:"-", e.g. an order's
			// disputes, kept in their own table) stay zero.
			if f := v.Type().Field(i); f.IsExported() && f.Tag.Get("json") != "-" {
				fill(v.Field(i), n)
			}
		}
	}
}

// BenchmarkDataCodec compares the two libraries on a session with every
// field set (newSession), the row every request of a flow reads or writes.
func BenchmarkDataCodec(b *testing.B) {
	s := newSession(time.Now())
	data, err := stdjson.Marshal(s)
	if err != nil {
		b.Fatal(err)
	}
	for _, lib := range []struct {
		name      string
		marshal   func(any) ([]byte, error)
		unmarshal func([]byte, any) error
	}{
		{"encoding_json", stdjson.Marshal, stdjson.Unmarshal},
		{"segmentio", json.Marshal, json.Unmarshal},
	} {
		b.Run("encode/"+lib.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = lib.marshal(s)
			}
		})
		b.Run("decode/"+lib.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				var got commerce.Session
				_ = lib.unmarshal(data, &got)
			}
		})
	}
}

// A payment row as builds before Payment.Quote wrote it loads, with a nil
// Quote: settling such an attempt prices the session again
// (ChargedQuote/LegacyAttemptWithoutQuote).
func TestPaymentRowWithoutQuote(t *testing.T) {
	const row = `{"ID":"pay_1","SessionID":"cs_1","Attempt":1,"Status":"pending","Amount":3718,"Currency":"usd",` +
		`"Provider":"sandbox","IdempotencyKey":"agentshop-cs_1-attempt-1","Token":"vt_1","ProviderRef":"","DeclineCode":"",` +
		`"LeaseUntil":"2026-04-17T09:30:45Z","CreatedAt":"2026-04-17T09:30:15Z","UpdatedAt":"2026-04-17T09:30:15Z"}`
	for name, decode := range map[string]func([]byte, any) error{"segmentio": json.Unmarshal, "encoding/json": stdjson.Unmarshal} {
		var p commerce.Payment
		if err := decode([]byte(row), &p); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if p.Quote != nil || p.ID != "pay_1" || p.Amount != 3718 || p.Provider != "sandbox" || p.Status != commerce.PaymentPending || p.Token != "vt_1" {
			t.Errorf("%s: decoded %+v", name, p)
		}
	}
}
