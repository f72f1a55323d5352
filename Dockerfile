# Controller image (also runs `vpp sim` in the compose stack). Node 24 is the maintained LTS
# line; the code also runs on Node 20 and 22. Two stages: the first has the compilers that
# better-sqlite3 and serialport may need, the second only what runs.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
# better-sqlite3 and serialport compile from source when no prebuilt binary matches.
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    VPP_DATA_DIR=/app/data \
    VPP_LOG_LEVEL=info
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY adapters ./adapters
COPY simulators ./simulators
COPY config ./config
# The registry, the SQLite store (when used), the spool and the OPC UA client certificates
# live in the data dir: the only place the unprivileged user writes.
RUN mkdir -p /app/data && chown node:node /app/data
VOLUME ["/app/data"]
USER node
EXPOSE 8080
# Liveness, not readiness: a controller waiting for its devices is alive and must not be restarted.
# Node's own fetch: the slim image has no curl.
HEALTHCHECK --interval=10s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.VPP_HTTP_PORT||8080)+'/api/v1/health/live').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM (docker stop): readiness 503, API closed, loop stopped, store flushed, within 5 s.
STOPSIGNAL SIGTERM
# tsx runs the TypeScript sources directly (no build step), as `npm start` does.
ENTRYPOINT ["node", "bin/vpp.js"]
CMD ["start", "--config", "config/compose.yaml"]
