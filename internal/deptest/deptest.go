// Package deptest enforces agentshop's import rules, after tailscale's
// tstest/deptest (cmd/tailscale/deps_test.go): the "must not import"
// sentences of the package docs, and DESIGN.md's "the domain imports no
// adapter", written as one table of [Rule]s in deps_test.go and checked
// against what `go list -deps` reports.
//
// The rules are about what a package's non-test files import, since that
// is what ships: tests may build a real server from anything. A rule's
// allowlists ([Rule.Own], [Rule.Others]) are checked against direct
// imports (a store may import commerce, and commerce imports fault); its
// denylist ([Rule.Deny]) against every dependency, direct or transitive.
//
// [Load] runs go list; [Check] applies the rules and returns what breaks
// them. Only this package's test imports it.
package deptest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"strings"
)

// Package is what go list says about one package.
type Package struct {
	ImportPath string
	// Standard is true for packages of Go's standard library.
	Standard bool
	// Imports are the packages its non-test files import directly.
	Imports []string
	// Deps are all packages its non-test files depend on, transitively.
	Deps []string
}

// Load runs `go list -deps -json` on patterns (for example "agentshop/...")
// in dir and returns every listed package, dependencies included, by
// import path.
func Load(dir string, patterns ...string) (map[string]Package, error) {
	cmd := exec.Command("go", append([]string{"list", "-deps", "-json=ImportPath,Standard,Imports,Deps"}, patterns...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("deptest: go list %s: %w: %s", strings.Join(patterns, " "), err, stderr.Bytes())
	}
	pkgs := make(map[string]Package)
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p Package
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			return pkgs, nil
		} else if err != nil {
			return nil, fmt.Errorf("deptest: decode go list output: %w", err)
		}
		pkgs[p.ImportPath] = p
	}
}

// Rule is one import rule. Paths in it are import paths or patterns:
// "x/..." matches x and every package below it, as in the go command.
type Rule struct {
	// Package is the package (or pattern of packages) the rule is about.
	// A pattern that matches no package is a broken rule.
	Package string
	// Source says where the rule is stated, as file:line, so that a
	// failure points the reader at the sentence it enforces.
	Source string
	// Own, when not nil, is the only packages of the module Package may
	// import directly.
	Own []string
	// StdOnly means Package imports nothing from outside the standard
	// library and the module but Others.
	StdOnly bool
	// Others are the modules' packages outside the standard library that
	// a StdOnly Package may import directly.
	Others []string
	// Deny are packages that must not be among Package's dependencies,
	// direct or transitive.
	Deny []string
	// TestOnly means only tests import Package: no non-test file of any
	// package in the module does.
	TestOnly bool
}

// Check applies rules to pkgs (as returned by [Load]) of the module whose
// path is module, and returns one message per broken rule and offending
// import, or nil.
func Check(module string, pkgs map[string]Package, rules []Rule) []string {
	var bad []string
	paths := make([]string, 0, len(pkgs))
	for p := range pkgs {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	own := func(p string) bool { return Match(module+"/...", p) }
	for _, r := range rules {
		fail := func(format string, args ...any) {
			bad = append(bad, fmt.Sprintf("%s (%s): ", r.Package, r.Source)+fmt.Sprintf(format, args...))
		}
		var matched []string
		for _, p := range paths {
			if Match(r.Package, p) {
				matched = append(matched, p)
			}
		}
		if len(matched) == 0 {
			fail("no such package: the rule is stale, update the table")
			continue
		}
		for _, name := range matched {
			p := pkgs[name]
			for _, imp := range p.Imports {
				switch {
				case r.Own != nil && own(imp) && !matchAny(r.Own, imp):
					fail("%s imports %s; of this module it may import only %s", name, imp, list(r.Own))
				case r.StdOnly && !own(imp) && !pkgs[imp].Standard && !matchAny(r.Others, imp):
					fail("%s imports %s; beyond the standard library it may import only %s", name, imp, list(append(slices.Clone(r.Own), r.Others...)))
				}
			}
			for _, dep := range p.Deps {
				if !matchAny(r.Deny, dep) {
					continue
				}
				c := chain(pkgs, name, dep)
				if slices.ContainsFunc(c[1:len(c)-1], func(p string) bool { return matchAny(r.Deny, p) }) {
					continue // reported as the denied package it came in through
				}
				fail("%s must not depend on %s, but does: %s", name, dep, strings.Join(c, " → "))
			}
			if r.TestOnly {
				for _, q := range paths {
					if own(q) && slices.Contains(pkgs[q].Imports, name) {
						fail("%s is for tests only, but non-test code of %s imports it", name, q)
					}
				}
			}
		}
	}
	return bad
}

// Match reports whether path matches pattern: pattern itself, or, when
// pattern ends in "/...", anything at or below its prefix.
func Match(pattern, path string) bool {
	if prefix, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == prefix || strings.HasPrefix(path, prefix+"/")
	}
	return path == pattern
}

func matchAny(patterns []string, path string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return Match(p, path) })
}

func list(patterns []string) string {
	if len(patterns) == 0 {
		return "nothing"
	}
	return strings.Join(patterns, ", ")
}

// chain is the shortest import chain from one package to another, for
// messages: a transitive dependency is easier to remove when one sees how
// it came in.
func chain(pkgs map[string]Package, from, to string) []string {
	prev := map[string]string{from: ""}
	queue := []string{from}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if p == to {
			var path []string
			for ; p != ""; p = prev[p] {
				path = append(path, p)
			}
			slices.Reverse(path)
			return path
		}
		for _, imp := range pkgs[p].Imports {
			if _, seen := prev[imp]; !seen {
				prev[imp] = p
				queue = append(queue, imp)
			}
		}
	}
	return []string{from, "…", to}
}
