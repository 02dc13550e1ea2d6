package catalog

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDemo(t *testing.T) {
	t.Parallel()
	c := Demo()

	if cur := c.Currency(); cur != "usd" {
		t.Errorf("Currency() = %q, want usd", cur)
	}
	it, ok := c.Item("starvie-metheora-warrior")
	switch {
	case !ok:
		t.Fatal("Item(starvie-metheora-warrior) not found")
	case it.Price != 13900 || it.Currency != "usd":
		t.Errorf("starvie-metheora-warrior = %d %s, want 13900 usd", it.Price, it.Currency)
	case it.Digital || it.Stock <= 0:
		t.Errorf("starvie-metheora-warrior: digital %v, stock %d; want a physical item in stock", it.Digital, it.Stock)
	}

	var digital, low, out int
	for _, it := range c.Items() {
		if it.Stock < 0 {
			t.Errorf("%s: stock %d < 0", it.ID, it.Stock)
		}
		if it.Title == "" || it.Description == "" || it.URL == "" || it.ImageURL == "" ||
			it.Category == "" || it.Brand == "" || it.ProductID == "" {
			t.Errorf("%s: missing listing fields: %+v", it.ID, it)
		}
		if it.Price <= 0 {
			t.Errorf("%s: price %d", it.ID, it.Price)
		}
		switch {
		case it.Digital:
			digital++
		case it.Stock == 0:
			out++
		case it.Stock <= 3:
			low++
		}
	}
	if digital == 0 || low == 0 || out == 0 {
		t.Errorf("demo has %d digital, %d low-stock, %d sold-out items; want at least one of each", digital, low, out)
	}
}

// TestDemoFresh checks that each Demo call returns its own catalog, so a
// caller that edits an item cannot change another's.
func TestDemoFresh(t *testing.T) {
	t.Parallel()
	a, _ := Demo().Item("starvie-metheora-warrior")
	a.Price = 1
	if b, _ := Demo().Item("starvie-metheora-warrior"); b.Price != 13900 {
		t.Errorf("second Demo() sees price %d", b.Price)
	}
}

// TestDemoLayouts parses the demo products rewritten as a JSON array and as
// JSONL, and wants the same items as from the embedded object layout.
func TestDemoLayouts(t *testing.T) {
	t.Parallel()
	want, err := Parse(bytes.NewReader(demoJSON))
	if err != nil {
		t.Fatal(err)
	}
	var file struct{ Products []json.RawMessage }
	if err := json.Unmarshal(demoJSON, &file); err != nil {
		t.Fatal(err)
	}
	var lines [][]byte
	for _, p := range file.Products {
		var b bytes.Buffer
		if err := json.Compact(&b, p); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, b.Bytes())
	}
	layouts := map[string][]byte{
		"array": append(append([]byte("[\n"), bytes.Join(lines, []byte(",\n"))...), "\n]"...),
		"jsonl": bytes.Join(lines, []byte("\n")),
	}
	for name, in := range layouts {
		got, err := Parse(bytes.NewReader(in))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: Parse() mismatch (-object +%s):\n%s", name, name, diff)
		}
	}
}
