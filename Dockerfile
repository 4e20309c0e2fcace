# syntax=docker/dockerfile:1
# Build stage: compile TypeScript and the better-sqlite3 native addon.
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
# The SDK workspaces (packages/client, packages/server): npm ci needs their package.json files.
COPY packages ./packages
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
# bin/copy-assets.js puts the files tsc does not emit (the dashboard's) into dist/.
COPY bin ./bin
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Run stage: only the compiled service, production dependencies and the sample game server.
FROM node:24-bookworm-slim
# The version, as package.json says (a Dockerfile cannot read it; test/deploy/version.test.ts
# checks this default equals it). `docker build --build-arg VERSION=…` only for a custom build.
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="game-orchestrator" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="MIT"
ENV NODE_ENV=production \
    DB_PATH=/data/orchestrator.db \
    PORT=8000 \
    HOST=0.0.0.0
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends tini && rm -rf /var/lib/apt/lists/* \
 && mkdir -p /data && chown node:node /data
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --chown=node:node package.json ./
COPY --chown=node:node bin ./bin
COPY --chown=node:node examples ./examples
# The SDK workspaces (the package exports game-orchestrator/client and /server; the sample game
# server uses the server one; node_modules/@game-orchestrator/* link here).
COPY --chown=node:node packages ./packages
COPY --chown=node:node entrypoint ./entrypoint
USER node
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["/usr/bin/tini", "--", "/app/entrypoint"]
CMD ["serve"]
