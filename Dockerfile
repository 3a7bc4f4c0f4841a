# syntax=docker/dockerfile:1
# Threadr's image. Build from the repository root:
#   docker build -t threadr:$(git rev-parse --short HEAD) .
# Stage 1 builds with the toolchain of ../shared/TOOLCHAIN.md and scripts/lib.sh: Rust 1.95,
# the wasm32 target, cargo-leptos 0.3.10, the wasm-bindgen CLI of the wasm-bindgen crate in
# Cargo.lock, and Tailwind and wasm-opt (binaryen) from npm. Stage 2 is a slim Debian with the
# binary, its hash file and the site folder, run as a non-root user.
ARG RUST_VERSION=1.95
ARG DEBIAN_RELEASE=bookworm
ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS node

FROM rust:${RUST_VERSION}-${DEBIAN_RELEASE} AS builder
ARG CARGO_LEPTOS_VERSION=0.3.10
# Tailwind 4 needs Node 20 or newer; Debian bookworm's nodejs is 18.
COPY --from=node /usr/local/bin/node /usr/local/bin/node
COPY --from=node /usr/local/lib/node_modules /usr/local/lib/node_modules
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
 && rustup target add wasm32-unknown-unknown \
 && cargo install "cargo-leptos@${CARGO_LEPTOS_VERSION}" --locked
WORKDIR /src
# The wasm-bindgen CLI must be exactly the version of the wasm-bindgen crate in Cargo.lock.
COPY Cargo.lock ./
RUN WASM_BINDGEN_VERSION="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)" \
 && cargo install "wasm-bindgen-cli@${WASM_BINDGEN_VERSION}" --locked
COPY package.json package-lock.json ./
RUN PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
ENV PATH="/src/node_modules/.bin:${PATH}" CARGO_INCREMENTAL=0
COPY . .
# Writes target/release/threadr, target/release/hash.txt (the hashed asset names) and
# target/site (wasm, JS, CSS and the public files).
RUN cargo leptos build --release \
 && mkdir -p /out \
 && cp target/release/threadr target/release/hash.txt /out/ \
 && cp -r target/site /out/site

FROM debian:${DEBIAN_RELEASE}-slim AS runtime
# ca-certificates: TLS to Stripe, the AI providers, SMTP and S3. curl: the health check.
# postgresql-client: pg_dump/pg_restore for `threadr backup` / `restore` (Debian bookworm: 15,
# the server's major version; set PG_BINDIR for another).
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl postgresql-client \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin threadr
WORKDIR /app
# No Leptos.toml here: the binary serves ./site with the settings it was built with, and finds
# hash.txt next to itself.
COPY --from=builder --chown=root:root /out/ /app/
# Photos (MEDIA_DIR) and this instance's search index (SEARCH_INDEX_DIR) live under .data.
RUN mkdir -p /app/.data && chown threadr:threadr /app/.data
ENV PATH="/app:${PATH}" \
    APP_ENV=production \
    LOG_FORMAT=json \
    LEPTOS_ENV=PROD \
    LEPTOS_SITE_ADDR=0.0.0.0:3000
USER threadr
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 \
  CMD curl -fsS -o /dev/null "http://127.0.0.1:${LEPTOS_SITE_ADDR##*:}/health" || exit 1
# SIGTERM (docker stop) lets in-flight requests and the email being sent finish.
STOPSIGNAL SIGTERM
CMD ["threadr", "serve"]
