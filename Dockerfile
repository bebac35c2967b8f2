# workspace-medic: the Probot app (default) or the watcher (`node lib/medic.js watch`).
# Build:  docker build -t workspace-medic .
# Both need the platform's Docker socket and Postgres; see deploy/compose.yml.
# NODE_IMAGE: the Node 22 base (official by default; CI passes one built from the machine's own
# Node by scripts/node-base-image.sh, since no registry is reachable there).

ARG NODE_IMAGE=node:22-bookworm-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --ignore-scripts
COPY tsconfig.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm run build && npm prune --omit=dev --ignore-scripts

FROM ${NODE_IMAGE}
ENV NODE_ENV=production \
    MEDIC_DATA_DIR=/var/lib/medic \
    HEALTH_PORT=3000
WORKDIR /app
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/lib ./lib
COPY package.json app.yml ./
COPY templates ./templates
COPY migrations ./migrations
RUN mkdir -p /var/lib/medic && chown node:node /var/lib/medic && chmod 700 /var/lib/medic
# Non-root. To reach /var/run/docker.sock, add the socket's group (compose: group_add).
USER node
EXPOSE 3000 9464
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+process.env.HEALTH_PORT+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "lib/app/main.js"]
