# syntax=docker/dockerfile:1
#
# agentshop's container image: a static binary built by scripts/release.sh
# (CGO_ENABLED=0, -trimpath) on Alpine, run as an unprivileged user with its
# SQLite data in the /data volume.
#
#   docker build --build-arg VERSION="$(git describe --tags --always --dirty)" -t agentshop .
#   docker run -p 8080:8080 -v agentshop-data:/data --env-file agentshop.env agentshop
#
# CI cannot build it (no container runtime there); deploy/dockerfile_test.go
# checks its instructions. Alpine rather than distroless: the HEALTHCHECK
# needs an HTTP client inside the image, and Alpine's busybox has wget.

ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY cmd ./cmd
COPY internal ./internal
COPY scripts/release.sh ./scripts/release.sh
# The build context has no .git (.dockerignore), so the version comes from
# this argument, and the binary carries no VCS revision.
ARG VERSION=dev
ARG TARGETARCH
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    bash scripts/release.sh --version "$VERSION" --target "linux/${TARGETARCH:-$(go env GOARCH)}" --out /out \
    && install -m 0755 /out/agentshop-"$VERSION"-linux-* /out/agentshop

FROM alpine:3.22
RUN addgroup -S -g 10001 agentshop \
    && adduser -S -D -H -u 10001 -G agentshop -h /data agentshop \
    && mkdir -p /data && chown 10001:10001 /data && chmod 0700 /data
COPY --from=build /out/agentshop /usr/local/bin/agentshop
# Listen on every interface of the container; set AGENTSHOP_PUBLIC_URL to
# the origin buyers and agents reach (README "Deploy").
ENV AGENTSHOP_ADDR=:8080 \
    AGENTSHOP_DATA=/data \
    AGENTSHOP_PUBLIC_URL=http://localhost:8080
USER 10001:10001
VOLUME /data
EXPOSE 8080
# Busybox wget on /healthz. A container that listens on another port than
# 8080 needs its own check: docker run --health-cmd "wget -q -O /dev/null http://127.0.0.1:PORT/healthz".
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
    CMD wget -q -O /dev/null http://127.0.0.1:8080/healthz || exit 1
ENTRYPOINT ["agentshop"]
CMD ["serve"]
