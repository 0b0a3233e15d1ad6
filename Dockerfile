# syntax=docker/dockerfile:1

# Build stage: the full toolchain, the TypeScript build and the QA dashboard (Vite).
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: "prepare" would build before the sources are copied.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY emulator ./emulator
COPY dashboard ./dashboard
RUN npm run build

# Runtime stage: production dependencies and the built files only, as a non-root user.
FROM node:20.20.2-bookworm-slim AS runtime
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=4010 \
    SANDBOX_DB=/data/sandbox.json \
    SANDBOX_SCENARIOS=/scenarios
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY scenarios /scenarios
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 4010
VOLUME ["/data", "/scenarios"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 4010) + '/__sandbox/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/emulator/src/main.js"]
