# Multi-stage build of the server and the console's browser bundle into a small runtime image.
# It needs the rust and debian base images from a registry, which this project's build machines
# cannot reach, so it is not built by the tests; scripts/build-site.sh and `cargo build` are
# the same steps the tests exercise.
FROM rust:1.95-bookworm AS build
RUN rustup target add wasm32-unknown-unknown \
 && cargo install wasm-bindgen-cli --version 0.2.130 \
 && cargo install --locked wasm_split_cli_support --version 0.2.4 --features build-binary \
 && apt-get update && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN npm install --no-audit --no-fund --prefix target/tools binaryen@132.0.0 \
 && scripts/build-site.sh release \
 && cargo build --release -p server

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /var/lib/batch batch && mkdir -p /var/lib/batch && chown batch /var/lib/batch
COPY --from=build /src/target/release/server /usr/local/bin/server
COPY --from=build /src/target/site /srv/batch/site
ENV BATCH_SITE_ROOT=/srv/batch/site \
    BATCH_DATA_DIR=/var/lib/batch \
    BATCH_LISTEN=0.0.0.0:3000
VOLUME /var/lib/batch
EXPOSE 3000
# Mount the Docker socket (-v /var/run/docker.sock:/var/run/docker.sock) or set DOCKER_HOST;
# the user then needs access to that socket (e.g. --group-add of the socket's group).
USER batch
ENTRYPOINT ["/usr/local/bin/server"]
