//go:build ignore

// Walstat counts the frames of an SQLite WAL file by the table or index
// their page belongs to, and the database's pages by table: what
// BENCHMARKS.md's "frames by table" come from.
//
//	go run scripts/walstat.go DATA/agentshop.db DATA/agentshop.db-wal
//
// Copy both files (and agentshop.db-shm) while the server is stopped with
// SIGKILL, which leaves the WAL in place: a clean shutdown checkpoints it
// and removes it. Only the frames written since the WAL last restarted
// are counted.
package main

import (
	"cmp"
	"database/sql"
	"encoding/binary"
	"fmt"
	"log"
	"maps"
	"os"
	"slices"

	_ "modernc.org/sqlite"
)

func main() {
	if len(os.Args) != 3 {
		log.Fatal("usage: go run scripts/walstat.go DB WAL")
	}
	b, err := os.ReadFile(os.Args[2])
	if err != nil {
		log.Fatal(err)
	}
	if len(b) < 32 {
		log.Fatal("walstat: not a WAL file")
	}
	// The WAL header holds the page size and the salts that mark the
	// frames of its current generation.
	pageSize := int(binary.BigEndian.Uint32(b[8:12]))
	salt1, salt2 := binary.BigEndian.Uint32(b[16:20]), binary.BigEndian.Uint32(b[20:24])
	var pages []uint32
	commits := 0
	for off := 32; off+24+pageSize <= len(b); off += 24 + pageSize {
		h := b[off : off+24]
		if binary.BigEndian.Uint32(h[8:12]) != salt1 || binary.BigEndian.Uint32(h[12:16]) != salt2 {
			break // a frame of an earlier generation: the log ends here
		}
		pages = append(pages, binary.BigEndian.Uint32(h[0:4]))
		if binary.BigEndian.Uint32(h[4:8]) != 0 { // the database size, set on commit frames
			commits++
		}
	}
	if commits == 0 {
		log.Fatal("walstat: no committed frames in the WAL")
	}
	fmt.Printf("page size %d, %d frames in %d commits: %.1f frames per commit\n",
		pageSize, len(pages), commits, float64(len(pages))/float64(commits))

	db, err := sql.Open("sqlite", "file:"+os.Args[1]+"?mode=ro")
	if err != nil {
		log.Fatal(err)
	}
	defer db.Close()
	owner := map[uint32]string{}
	size := map[string]int{}
	rows, err := db.Query(`SELECT name, pageno FROM dbstat`)
	if err != nil {
		log.Fatal(err)
	}
	for rows.Next() {
		var name string
		var page uint32
		if err := rows.Scan(&name, &page); err != nil {
			log.Fatal(err)
		}
		owner[page] = name
		size[name]++
	}
	if err := rows.Err(); err != nil {
		log.Fatal(err)
	}

	frames := map[string]int{}
	for _, p := range pages {
		name, ok := owner[p]
		if !ok {
			name = "(free or gone)"
		}
		frames[name]++
	}
	fmt.Printf("\n%-40s %8s %7s %10s\n", "table or index", "frames", "share", "db pages")
	for _, name := range slices.SortedFunc(maps.Keys(frames), func(a, b string) int { return cmp.Compare(frames[b], frames[a]) }) {
		fmt.Printf("%-40s %8d %6.1f%% %10d\n", name, frames[name], 100*float64(frames[name])/float64(len(pages)), size[name])
	}
	fmt.Printf("\ndatabase: %d pages\n", len(owner))
}
