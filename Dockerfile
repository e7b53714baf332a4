# syntax=docker/dockerfile:1
# Berth control plane. Build: docker build -t berth .  Run: see docker-compose.yml.

FROM node:22-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 and argon2 compile from source when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3 argon2
COPY tsconfig.json ./
COPY src ./src
COPY web ./web
# Builds the server (dist/) and the web UI (dist/web), which the server serves at /.
RUN npm run build && npm prune --omit=dev

# The Docker CLI and the Compose v2 plugin, which Berth runs to deploy (static binaries).
FROM docker:27-cli AS docker-cli
FROM docker/compose-bin:v2.29.7 AS compose-cli

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    BERTH_DATA_DIR=/app/data \
    DATABASE_PATH=/app/data/berth.db \
    BERTH_PROXY_DIR=/app/proxy \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=docker-cli /usr/local/bin/docker /usr/local/bin/docker
COPY --from=compose-cli /docker-compose /usr/libexec/docker/cli-plugins/docker-compose
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
# The template catalog is data read at start (../../templates from dist/templates/).
COPY templates ./templates
# Runs as the unprivileged "node" user (uid 1000); the data and proxy volumes are created owned by it.
RUN mkdir -p /app/data /app/proxy && chown node:node /app/data /app/proxy && chmod 0700 /app/data
USER node
VOLUME ["/app/data", "/app/proxy"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:3000/health/live').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
ENTRYPOINT ["node", "dist/cli.js"]
CMD ["serve"]
