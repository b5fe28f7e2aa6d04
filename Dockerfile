# wsevent-service and wsclient in one small image.
#
#   scripts/build/docker-build                   # docker build -t wsevent:latest .
#   docker run --rm -p 8080:8080 wsevent         # a producer: ws://localhost:8080/events
#   docker run --rm wsevent -help                # the flags
#
# No Docker engine runs on the project's dev and CI machines: scripts/build/check-dockerfile
# checks this file there (hadolint, build flags, the entrypoint's flags against the built binary).
#
# Base images. Build: swift:6.3-bookworm, the official `swift` image of Swift 6.3 on Debian 12,
# the toolchain and the distribution the project is developed and tested with (6.3.x on Debian
# bookworm on the dev and CI machines). Package.swift asks for tools 6.1 (package traits), so a
# 6.1 or 6.2 image may build it too, but 6.3 is the compiler the test suite has passed on.
# Runtime: debian:bookworm-slim, the distribution of the build image, so the binaries' glibc and
# the bridges' C clients match. With --static-swift-stdlib the binaries link only glibc,
# libstdc++, libgcc_s and, for the broker bridges, Debian's libnats and librabbitmq (with libssl
# and libprotobuf-c) dynamically; no target imports Foundation, FoundationNetworking or
# FoundationXML, so neither the Swift runtime image nor libcurl or libxml2 is needed.
#
# The image is built with the package trait Bridges (`-consume nats://...`, docs/BRIDGES.md):
# the build stage installs the C clients' development packages (found through pkg-config), the
# runtime stage their libraries.

FROM swift:6.3-bookworm AS build
WORKDIR /build

# The bridges' C clients from Debian (Synadia's nats.c with JetStream, rabbitmq-c), for the
# Bridges trait: the system-library targets CNATS and CRabbitMQ find them through pkg-config.
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        libnats-dev \
        librabbitmq-dev \
        pkg-config \
    && rm -rf /var/lib/apt/lists/*

# Dependencies first: this layer is rebuilt only when Package.swift changes. Package.resolved
# stays out of the context (.dockerignore): it is not committed, and one made on the dev machines
# names their package mirror's commits, not GitHub's.
COPY Package.swift ./
RUN swift package resolve

# Tests/ is copied too: Package.swift declares the test targets, and SwiftPM does not load a
# package whose target folders are missing, even to build one product.
COPY Sources ./Sources
COPY Tests ./Tests

# The release build of the README and scripts/wsclient (-c release) with the bridges (the same
# --traits for both, or SwiftPM builds the package's targets twice), the Swift runtime linked
# in so the runtime image needs no Swift libraries.
RUN swift build -c release --static-swift-stdlib --traits Bridges --product wsevent-service \
    && swift build -c release --static-swift-stdlib --traits Bridges --product wsclient \
    && mkdir -p /staging \
    && cp .build/release/wsevent-service .build/release/wsclient /staging/

FROM debian:bookworm-slim

# curl for the HEALTHCHECK below; ca-certificates for wss:// upstreams and tzdata for TZ=... in
# the logs' timestamps, as server images usually have them; the bridges' C clients (their
# libraries only: libssl3 and libprotobuf-c1 come with them).
RUN apt-get update \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        ca-certificates \
        curl \
        libnats3.4 \
        librabbitmq4 \
        tzdata \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin wsevent

COPY --from=build /staging/wsevent-service /staging/wsclient /usr/local/bin/

# Listen on all interfaces, so the service is reachable from outside the container. This is the
# seed's own variable, the one read last: WSEVENT_SERVE_ADDRESS or `docker run -e SERVE_ADDRESS=...`
# replace it. (An `ENTRYPOINT [... "-serve-address", "0.0.0.0:8080"]` would silently beat every
# environment variable; an image-wide WSEVENT_SERVE_ADDRESS would beat a user's SERVE_ADDRESS.)
# Serve flags go as a group: any of -serve, -serve-address, -serve-path given as a flag turns
# every serve variable off, this one included, so with a flag give the address as a flag too
# (-serve-address :8080 -serve-path P). Among variables, it replaces WSEVENT_SERVE's HOST:PORT.
ENV SERVE_ADDRESS=0.0.0.0:8080

# The user wsevent made above, by number, so a runtime can tell it is not root without reading
# the image's /etc/passwd (Kubernetes' runAsNonRoot needs that).
USER 10001:10001
EXPOSE 8080

# /healthz answers 200 only while the instance can serve: 503 (curl --fail: unhealthy) for a
# relay that has not reached its upstream yet, and while draining at shutdown. /livez answers
# 200 whenever the process runs, for orchestrators that check liveness apart.
# It checks port 8080: an instance moved to another port needs `docker run --health-cmd ...`
# (or --no-healthcheck).
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["curl", "--fail", "--silent", "--show-error", "--output", "/dev/null", "http://127.0.0.1:8080/healthz"]

# Arguments of `docker run IMAGE ...` are flags of wsevent-service:
#   docker run --rm wsevent -no-produce -consume producer:8080/events -serve-address :8080 -serve-path proxy-events
# The image's other program (it handles SIGINT/SIGTERM itself, as PID 1 must; no --init needed):
#   docker run --rm -it --entrypoint wsclient wsevent ws://HOST:8080/events
ENTRYPOINT ["wsevent-service"]
CMD []
