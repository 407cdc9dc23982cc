# syntax=docker/dockerfile:1
#
# daap's container image: one static-ish binary (glibc only; TLS is rustls, the Swagger UI
# assets and the migrations are compiled in) on distroless, running as a non-root user, fit
# for a read-only root filesystem. See docs/operations.md, "The image".
#
#   docker build -t daap:dev .
#   docker run --rm -e DATABASE_URL=postgres://... -p 8080:8080 daap:dev          # serve
#   docker run --rm -e DATABASE_URL=postgres://... daap:dev migrate               # a Job

ARG RUST_VERSION=1.95

# ---- build ---------------------------------------------------------------------------------
FROM rust:${RUST_VERSION}-slim-bookworm AS build
WORKDIR /src
# Queries are checked against the committed .sqlx/ cache: no database at build time.
ENV SQLX_OFFLINE=true \
    CARGO_TERM_COLOR=never \
    CARGO_INCREMENTAL=0

# 1. The dependencies alone, against stub sources: this layer is reused until Cargo.toml or
#    Cargo.lock change, so a change to daap's code rebuilds only daap.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src \
 && echo 'fn main() {}' > src/main.rs \
 && touch src/lib.rs \
 && cargo build --release --locked \
 && rm -rf src

# 2. daap itself. COPY keeps the files' own modification times, which may be older than the
#    stub build's output: touch the crate roots so that cargo rebuilds them.
COPY .sqlx .sqlx
COPY migrations migrations
COPY src src
RUN touch src/main.rs src/lib.rs \
 && cargo build --release --locked \
 && install -D -m 0755 target/release/daap /out/daap \
 && /out/daap --version

# ---- run -----------------------------------------------------------------------------------
# glibc, libgcc and CA certificates; no shell, no package manager. The `nonroot` variant's
# user is 65532:65532.
FROM gcr.io/distroless/cc-debian12:nonroot

LABEL org.opencontainers.image.title="daap" \
      org.opencontainers.image.description="Data-as-a-Product API: a versioned registry of data products" \
      org.opencontainers.image.licenses="MIT"

COPY --from=build /out/daap /usr/local/bin/daap

# Listen on every interface in the container (the default, 127.0.0.1, is for laptops);
# metrics on their own port. Writable state, if any, goes to /tmp (mount an emptyDir there
# when the root filesystem is read-only): with DATABASE_URL set and DAAP_UPLOAD_BUCKET set,
# daap writes nothing at all.
ENV DAAP_BIND=0.0.0.0:8080 \
    DAAP_METRICS_BIND=0.0.0.0:9464 \
    DAAP_LOG_FORMAT=json \
    DAAP_DATA_DIR=/tmp/daap

USER 65532:65532
EXPOSE 8080 9464

ENTRYPOINT ["daap"]
CMD ["serve"]
