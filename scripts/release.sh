#!/usr/bin/env bash
# Builds agentshop's release binaries, reproducibly: the same commit, Go
# toolchain and version give byte-identical files, wherever they are built.
#
#   bash scripts/release.sh [--version V] [--target OS/ARCH]... [--out DIR]
#
#   --version V   the version stamped into the binaries (env VERSION);
#                 default: git describe --tags --always --dirty
#   --target T    build only T, e.g. linux/amd64; may repeat (env TARGETS,
#                 space-separated); default: linux and darwin, amd64 and arm64
#   --out DIR     where the binaries and SHA256SUMS go (env DIST); default dist
#
# Output: DIR/agentshop-V-OS-ARCH for each target and DIR/SHA256SUMS
# (sha256sum format; check with `cd DIR && sha256sum -c SHA256SUMS`).
#
# What makes two builds identical: CGO_ENABLED=0 (no C toolchain), -trimpath
# (no local paths), -buildid= (no build ID derived from the build cache),
# pinned GOAMD64/GOARM64 levels, GOFLAGS ignored, and the VCS stamp
# (-buildvcs=true: revision, commit time, modified) taken from git, not
# from the clock. The files' mtime is set to the commit time. A different Go
# toolchain gives a different binary: the version in go.mod's toolchain
# line (or the local go, when it is newer) is the one that counts, and
# `go version -m BINARY` shows what built it.
set -euo pipefail
cd "$(dirname "$0")/.."

version="${VERSION:-}"
targets="${TARGETS:-}"
out="${DIST:-dist}"
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version="$2"; shift 2 ;;
    --version=*) version="${1#*=}"; shift ;;
    --target) targets="$targets $2"; shift 2 ;;
    --target=*) targets="$targets ${1#*=}"; shift ;;
    --out) out="$2"; shift 2 ;;
    --out=*) out="${1#*=}"; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "release.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ -z "$version" ]; then
  version=$(git describe --tags --always --dirty 2>/dev/null) ||
    { echo "release.sh: not in a git checkout: pass --version" >&2; exit 2; }
fi
if [ -z "${targets// /}" ]; then
  targets="linux/amd64 linux/arm64 darwin/amd64 darwin/arm64"
fi
case "$version" in
  *[!A-Za-z0-9._+-]*) echo "release.sh: version $version: use letters, digits and . _ + - only" >&2; exit 2 ;;
esac

# internal/buildinfo reports the stamped version (`agentshop version`,
# the build-info gauge). The linker ignores -X for a symbol that does not
# exist, so .ci/run checks that the binary prints it.
ldflags="-s -w -buildid= -X agentshop/internal/buildinfo.version=$version"

mtime=$(git log -1 --format=%ct 2>/dev/null || echo 0)
if top=$(git rev-parse --show-toplevel 2>/dev/null) && [ ! -d "$top/.git" ]; then
  # cmd/go looks for a .git directory; a worktree's .git is a file.
  echo "release.sh: $top is a git worktree: Go cannot stamp the VCS revision (go version -m shows none); build from a clone for a release" >&2
fi
mkdir -p "$out"
built=()
for t in $targets; do
  goos="${t%/*}" goarch="${t#*/}"
  case "$t" in
    linux/amd64|linux/arm64|darwin/amd64|darwin/arm64) ;;
    *) echo "release.sh: unsupported target $t (linux or darwin, amd64 or arm64)" >&2; exit 2 ;;
  esac
  name="agentshop-$version-$goos-$goarch"
  echo "building $out/$name" >&2
  env -u GOFLAGS CGO_ENABLED=0 GOOS="$goos" GOARCH="$goarch" GOAMD64=v1 GOARM64=v8.0 \
    go build -trimpath -buildvcs=true -ldflags="$ldflags" -o "$out/$name" ./cmd/agentshop
  touch -d "@$mtime" "$out/$name"
  built+=("$name")
done
(cd "$out" && sha256sum "${built[@]}" >SHA256SUMS && cat SHA256SUMS)
