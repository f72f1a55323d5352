# Controller image. Node 24 is the maintained LTS line; the code also runs on Node 20 and 22.
FROM node:24-bookworm-slim AS deps
WORKDIR /app
# better-sqlite3 and serialport compile from source when no prebuilt binary matches.
RUN apt-get update -qq && apt-get install -y -qq --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund

FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY adapters ./adapters
COPY simulators ./simulators
COPY config ./config
USER node
EXPOSE 8080
# tsx runs the TypeScript sources directly (no build step), as `npm start` does.
ENTRYPOINT ["node", "bin/vpp.js"]
CMD ["start", "--config", "config/compose.yaml"]
