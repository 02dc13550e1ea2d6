package deploy

import (
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// instruction is one Dockerfile instruction, continuation lines joined.
type instruction struct {
	line int    // where it starts, 1-based
	cmd  string // upper case: FROM, RUN, …
	args string
}

// knownInstructions are the Dockerfile reference's instructions.
var knownInstructions = []string{
	"ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK",
	"LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
}

// parseDockerfile splits src into instructions the way Docker's parser
// does for what we use: comment and empty lines are dropped (also inside
// a continued instruction), a trailing backslash continues the instruction
// on the next line, and the first word is the instruction.
func parseDockerfile(src string) ([]instruction, error) {
	var out []instruction
	var cur *instruction
	for i, raw := range strings.Split(src, "\n") {
		line := strings.TrimSpace(raw)
		if strings.HasPrefix(line, "#") {
			continue
		}
		if line == "" {
			continue // Docker skips empty lines, also inside a continued instruction
		}
		body, more := strings.CutSuffix(line, `\`)
		if cur == nil {
			cmd, args, _ := strings.Cut(body, " ")
			cur = &instruction{line: i + 1, cmd: strings.ToUpper(cmd), args: strings.TrimSpace(args)}
		} else {
			cur.args = strings.TrimSpace(cur.args + " " + strings.TrimSpace(body))
		}
		if !more {
			out = append(out, *cur)
			cur = nil
		}
	}
	if cur != nil {
		return out, fmt.Errorf("line %d: %s continues past the end of the file", cur.line, cur.cmd)
	}
	return out, nil
}

// checkDockerfile returns what is wrong with the Dockerfile src and the
// .dockerignore ignore; nothing when the image is what README "Deploy"
// says.
func checkDockerfile(src, ignore string) []string {
	ins, err := parseDockerfile(src)
	if err != nil {
		return []string{err.Error()}
	}
	var bad []string
	fail := func(in instruction, format string, args ...any) {
		bad = append(bad, fmt.Sprintf("line %d: %s: ", in.line, in.cmd)+fmt.Sprintf(format, args...))
	}
	var stages []string // names ("" for unnamed), in order
	var final []instruction
	for _, in := range ins {
		if !slices.Contains(knownInstructions, in.cmd) {
			fail(in, "unknown instruction")
			continue
		}
		if in.args == "" {
			fail(in, "no arguments")
			continue
		}
		switch in.cmd {
		case "FROM":
			f := strings.Fields(in.args)
			switch {
			case len(f) == 1:
				stages = append(stages, "")
			case len(f) == 3 && strings.EqualFold(f[1], "AS"):
				stages = append(stages, f[2])
			default:
				fail(in, "want FROM IMAGE [AS NAME], got %q", in.args)
			}
			final = nil
		case "COPY":
			for _, f := range strings.Fields(in.args) {
				if from, ok := strings.CutPrefix(f, "--from="); ok && !slices.Contains(stages[:max(len(stages)-1, 0)], from) {
					fail(in, "--from=%s is not an earlier stage", from)
				}
			}
		case "CMD", "ENTRYPOINT", "VOLUME":
			if strings.HasPrefix(in.args, "[") {
				var v []string
				if err := json.Unmarshal([]byte(in.args), &v); err != nil {
					fail(in, "exec form is not a JSON array of strings: %v", err)
				}
			}
		case "ENV":
			for _, kv := range strings.Fields(in.args) {
				if k, _, ok := strings.Cut(kv, "="); !ok || k == "" {
					fail(in, "want KEY=VALUE pairs, got %q", kv)
				}
			}
		case "HEALTHCHECK":
			bad = append(bad, checkHealthcheck(in)...)
		}
		final = append(final, in)
	}
	if len(stages) < 2 {
		bad = append(bad, fmt.Sprintf("want a multi-stage build (a builder and a runtime stage), got %d FROM", len(stages)))
	}
	last := func(cmd string) (instruction, bool) {
		for _, in := range slices.Backward(final) {
			if in.cmd == cmd {
				return in, true
			}
		}
		return instruction{}, false
	}
	if in, ok := last("USER"); !ok {
		bad = append(bad, "the runtime stage has no USER: it would run as root")
	} else if u, _, _ := strings.Cut(in.args, ":"); u == "root" || u == "0" {
		fail(in, "the runtime stage runs as root")
	}
	if in, ok := last("VOLUME"); !ok || !strings.Contains(in.args, "/data") {
		bad = append(bad, "the runtime stage has no VOLUME /data")
	}
	if in, ok := last("EXPOSE"); !ok {
		bad = append(bad, "the runtime stage has no EXPOSE")
	} else {
		for _, p := range strings.Fields(in.args) {
			port, _, _ := strings.Cut(p, "/")
			if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
				fail(in, "bad port %q", p)
			}
		}
	}
	if in, ok := last("HEALTHCHECK"); !ok || !strings.Contains(in.args, "/healthz") {
		bad = append(bad, "the runtime stage has no HEALTHCHECK on /healthz")
	}
	if _, ok := last("ENTRYPOINT"); !ok {
		bad = append(bad, "the runtime stage has no ENTRYPOINT")
	}
	bad = append(bad, checkDockerignore(ins, ignore)...)
	return bad
}

// checkHealthcheck checks HEALTHCHECK [--flag=value…] CMD command.
func checkHealthcheck(in instruction) []string {
	var bad []string
	rest := in.args
	for strings.HasPrefix(rest, "--") {
		var flag string
		flag, rest, _ = strings.Cut(rest, " ")
		rest = strings.TrimSpace(rest)
		name, val, _ := strings.Cut(strings.TrimPrefix(flag, "--"), "=")
		switch name {
		case "interval", "timeout", "start-period", "start-interval":
			if d, err := time.ParseDuration(val); err != nil || d <= 0 {
				bad = append(bad, fmt.Sprintf("line %d: HEALTHCHECK --%s=%q: want a positive duration", in.line, name, val))
			}
		case "retries":
			if n, err := strconv.Atoi(val); err != nil || n < 1 {
				bad = append(bad, fmt.Sprintf("line %d: HEALTHCHECK --retries=%q: want a positive integer", in.line, val))
			}
		default:
			bad = append(bad, fmt.Sprintf("line %d: HEALTHCHECK: unknown flag --%s", in.line, name))
		}
	}
	if cmd, _, _ := strings.Cut(rest, " "); !strings.EqualFold(cmd, "CMD") {
		bad = append(bad, fmt.Sprintf("line %d: HEALTHCHECK: want CMD after the flags, got %q", in.line, rest))
	}
	return bad
}

// checkDockerignore checks that .dockerignore starts by excluding
// everything ("*") and lets in every path the build stages COPY from the
// context: an allowlist keeps .git, data directories and env files with
// secrets out of the build context.
func checkDockerignore(ins []instruction, ignore string) []string {
	var patterns []string
	for _, l := range strings.Split(ignore, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			patterns = append(patterns, l)
		}
	}
	if len(patterns) == 0 || patterns[0] != "*" {
		return []string{`.dockerignore: want "*" first, then "!path" for what the build needs`}
	}
	var bad []string
	for _, in := range ins {
		if in.cmd != "COPY" || strings.Contains(in.args, "--from=") {
			continue
		}
		f := strings.Fields(in.args)
		for _, src := range f[:len(f)-1] {
			if strings.HasPrefix(src, "--") {
				continue
			}
			src = strings.TrimPrefix(strings.TrimSuffix(src, "/"), "./")
			if !slices.Contains(patterns, "!"+src) && !slices.Contains(patterns, "!"+src+"/") {
				bad = append(bad, fmt.Sprintf("line %d: COPY %s: .dockerignore excludes it (no !%s)", in.line, src, src))
			}
		}
	}
	return bad
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDockerfile(t *testing.T) {
	for _, msg := range checkDockerfile(readFile(t, "../Dockerfile"), readFile(t, "../.dockerignore")) {
		t.Error(msg)
	}
}

// TestCheckDockerfile shows that each check fails on a Dockerfile that
// breaks it.
func TestCheckDockerfile(t *testing.T) {
	const good = `# syntax=docker/dockerfile:1
FROM golang:1.26 AS build
COPY go.mod ./
RUN go build \
    # a comment inside a continued instruction
    -o /out/agentshop .
FROM alpine:3.22
COPY --from=build /out/agentshop /usr/local/bin/agentshop
ENV A=1 \
    B=2
USER 10001:10001
VOLUME /data
EXPOSE 8080
HEALTHCHECK --interval=30s --retries=3 CMD wget -q -O /dev/null http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["agentshop"]
CMD ["serve"]
`
	const ignore = "*\n!go.mod\n"
	tests := []struct {
		name, old, new string
		ignore         string
		want           string // a substring of one of the messages
	}{
		{name: "good"},
		{name: "one stage", old: "FROM golang:1.26 AS build\n", new: "", want: "multi-stage"},
		{name: "no user", old: "USER 10001:10001\n", new: "", want: "no USER"},
		{name: "root", old: "USER 10001:10001", new: "USER root", want: "runs as root"},
		{name: "uid 0", old: "USER 10001:10001", new: "USER 0:0", want: "runs as root"},
		{name: "no volume", old: "VOLUME /data", new: "VOLUME /var/lib", want: "VOLUME /data"},
		{name: "no expose", old: "EXPOSE 8080\n", new: "", want: "no EXPOSE"},
		{name: "bad port", old: "EXPOSE 8080", new: "EXPOSE http", want: `bad port "http"`},
		{name: "no healthcheck", old: "HEALTHCHECK", new: "LABEL", want: "no HEALTHCHECK"},
		{name: "healthcheck flag", old: "--retries=3", new: "--retry=3", want: "unknown flag --retry"},
		{name: "healthcheck duration", old: "--interval=30s", new: "--interval=30", want: "positive duration"},
		{name: "healthcheck no CMD", old: "--retries=3 CMD", new: "--retries=3", want: "want CMD"},
		{name: "bad exec form", old: `["serve"]`, new: `["serve]`, want: "JSON array"},
		{name: "unknown instruction", old: "ENV A=1", new: "ENVY A=1", want: "unknown instruction"},
		{name: "env without value", old: "B=2", new: "B", want: "KEY=VALUE"},
		{name: "unknown stage", old: "--from=build", new: "--from=builder", want: "not an earlier stage"},
		{name: "dangling continuation", old: `CMD ["serve"]`, new: `CMD ["serve"] \`, want: "continues past the end"},
		{name: "context excluded", ignore: "*\n", want: "COPY go.mod: .dockerignore excludes it"},
		{name: "ignore not an allowlist", ignore: ".git\n", want: `want "*" first`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := strings.Replace(good, tt.old, tt.new, 1)
			if tt.old != "" && src == good {
				t.Fatalf("%q is not in the Dockerfile", tt.old)
			}
			ign := ignore
			if tt.ignore != "" {
				ign = tt.ignore
			}
			got := checkDockerfile(src, ign)
			switch {
			case tt.want == "" && len(got) > 0:
				t.Errorf("checkDockerfile = %q, want nothing", got)
			case tt.want != "" && !slices.ContainsFunc(got, func(m string) bool { return strings.Contains(m, tt.want) }):
				t.Errorf("checkDockerfile = %q, want a message containing %q", got, tt.want)
			}
		})
	}
}
