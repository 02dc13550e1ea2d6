// Package deploy holds agentshop's example deployment files and, in its
// tests, the checks CI runs on them: the container image (Dockerfile and
// .dockerignore at the repository root) and the systemd unit
// (agentshop.service here).
//
// CI has no container runtime and does not run systemd, so neither is
// started there. The Dockerfile's instructions are parsed and checked
// (two stages, a non-root USER, the /data VOLUME, EXPOSE, a HEALTHCHECK on
// /healthz, well-formed exec forms and flags); the unit is checked for its
// hardening directives and, where systemd-analyze is installed (CI
// installs it), by `systemd-analyze verify`, which reports unknown keys
// and values it cannot parse.
//
// The package has no code of its own; nothing imports it.
package deploy
