# syntax=docker/dockerfile:1
# Vitrina: one image, configured by environment (see README "Production").

# --- dependencies: resolved once, from the lockfile, without dev tools ---
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# esbuild (under tsx) ships its binary as an optional dependency: keep optionals.
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

# --- runtime ---
FROM node:20-bookworm-slim
# Debian's ffmpeg converts voice notes; tini forwards SIGTERM so shutdown drains in time.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ffmpeg tini \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production \
    PORT=3000 \
    DATA_DIR=/data \
    FFMPEG_PATH=/usr/bin/ffmpeg
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY bin ./bin
COPY src ./src
COPY core ./core
COPY handlers ./handlers
COPY integrations ./integrations
COPY templates ./templates
COPY drizzle ./drizzle
RUN useradd --system --uid 10001 --no-create-home --home-dir /app vitrina \
 && mkdir -p /data && chown vitrina /data
USER vitrina
VOLUME ["/data"]
EXPOSE 3000
# /healthz is the process; /readyz (database, templates, draining) is for the load balancer.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["tini", "--"]
CMD ["node", "--import", "tsx", "src/main.ts"]
