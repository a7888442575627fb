# syntax=docker/dockerfile:1
#
# The booking platform image: one image for every process of the distributed mode. Each process
# is chosen by the command it runs (deploy/k8s sets `command` per Deployment):
#
#   node --import tsx scripts/start-service.ts gateway|booking|inventory|payment|notification
#   node --import tsx scripts/start-relay.ts          (the outbox relay)
#   node --import tsx scripts/migrate.ts              (npm run db:migrate)
#
# i.e. the body of the matching npm script (`tsx <script>`) run by node itself. TypeScript is
# compiled on load by tsx's loader (a runtime dependency), so there is no build step and no dev
# dependency in the image. `npm run start:<service>` works too, but then npm, a shell and the
# tsx CLI sit between the container runtime and the service: the tsx CLI kills its child with
# SIGKILL when the child does not acknowledge a forwarded SIGTERM within 30 ms, which a busy
# process can miss; one node process receives SIGTERM itself and shuts down gracefully.
#
# No secret is baked in: JWT_SECRET, SERVICE_SECRET, PAYMENT_WEBHOOK_SECRET, METRICS_TOKEN and
# DATABASE_URL come from the environment at run time (a Kubernetes Secret in deploy/k8s).
#
#   docker build -t booking-platform:0.1.0 .
#   docker run --rm -e DATABASE_URL=… booking-platform:0.1.0 node --import tsx scripts/migrate.ts

# Pinned: an exact Node.js 20 release on Debian bookworm (package.json asks for >=20.19). Pin the
# digest as well (node:20.20.2-bookworm-slim@sha256:…) once the registry you pull from is known.
FROM node:20.20.2-bookworm-slim

WORKDIR /app

# Dependencies first, so that a source change does not reinstall them. `npm ci` installs exactly
# package-lock.json; --omit=dev leaves out vitest, typescript, drizzle-kit… (nothing at run time
# imports them); --ignore-scripts: the only install scripts among the runtime dependencies are
# esbuild's binary check and protobufjs' version warning, neither needed.
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && npm cache clean --force

# What the processes read at run time: the TypeScript sources (tsconfig.json carries the decorator
# settings tsx compiles them with), the committed supergraph (SUPERGRAPH_PATH) and the SQL
# migrations. Tests, benchmarks and local files stay out (.dockerignore).
COPY tsconfig.json ./
COPY lib ./lib
COPY launcher ./launcher
COPY gateway ./gateway
COPY subgraphs ./subgraphs
COPY scripts ./scripts
COPY schema ./schema
COPY drizzle ./drizzle

# Everything above belongs to root and is read-only for the service user. The only place a
# process writes is the temporary directory (tsx's compile cache): mount a writable volume at
# /tmp when the root filesystem is read-only (deploy/k8s does, with an emptyDir).
# `node` is uid/gid 1000 in the official image; numeric, so Kubernetes can check runAsNonRoot.
USER 1000:1000

# Listen on every interface of the container (the services bind 127.0.0.1 unless HOST is set).
ENV HOST=0.0.0.0

# 4000 gateway, 4001 booking, 4002 inventory, 4003 payment, 4004 notification, 4010 relay.
EXPOSE 4000 4001 4002 4003 4004 4010

# Graceful shutdown on SIGTERM (lib/process/main.ts): stop accepting, finish requests in flight (up to 10 s
# per server), stop consumers and relays after their batch, exit 0.
STOPSIGNAL SIGTERM

CMD ["node", "--import", "tsx", "scripts/start-service.ts", "gateway"]
