# syntax=docker/dockerfile:1
#
# One image for every BYOK Gateway process. The apps run their TypeScript sources directly with
# tsx (the dist build path is not used anywhere yet), so the image holds:
#   - production dependencies only: `npm ci --omit=dev` from the lockfile;
#   - tsx and its one dependency, esbuild, at the versions the lockfile pins (root devDependency,
#     hence added on their own rather than installing every devDependency);
#   - the sources of libs/ and apps/, owned by root and read-only for the `node` user that runs them;
#   - the built web page (apps/web/dist), made in the `web` stage: vite and its React plugin are
#     development dependencies, so only the stage that builds the page installs them.
#
# Targets:
#   runtime         (default) api, proxy, worker, usage-consumer, migrations; the command is the
#                   entry file, e.g.  docker run byok-gateway:local apps/proxy/src/main.ts
#   mock-providers  the fake providers for offline runs (`npm run mock-providers`, apps/mock-providers)

ARG NODE_IMAGE=node:24.21.0-bookworm-slim

FROM ${NODE_IMAGE} AS base
WORKDIR /app
ENV NODE_ENV=production

# Only the package manifests, so the dependency layer below is rebuilt when a package.json or the
# lockfile changes, not on every source edit (BuildKit keys COPY --from by content).
FROM base AS manifests
COPY libs ./libs
COPY apps ./apps
RUN find libs apps -type f ! -name package.json -delete && find libs apps -depth -type d -empty -delete

FROM base AS deps
COPY package.json package-lock.json .npmrc ./
COPY --from=manifests /app/libs ./libs
COPY --from=manifests /app/apps ./apps
# No dependency needs its install script: esbuild finds its platform binary package, and
# protobufjs and msgpackr-extract work without theirs. npm 10 in this image would otherwise run
# them (the repository's npm 11 blocks them through `allowScripts`).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# The page the API serves at / (without it :8080 answers 503 "web page not built").
FROM base AS web
COPY package.json package-lock.json .npmrc ./
COPY --from=manifests /app/libs ./libs
COPY --from=manifests /app/apps ./apps
RUN npm ci --include=dev --ignore-scripts --no-audit --no-fund
COPY tsconfig.base.json tsconfig.json ./
COPY libs ./libs
COPY apps/web ./apps/web
RUN node apps/web/scripts/ensure-build.mjs --force

FROM base AS tsx
WORKDIR /opt/tsx
RUN npm install --no-save --ignore-scripts --no-audit --no-fund tsx@4.23.15 esbuild@0.28.2 && npm cache clean --force

FROM base AS runtime
COPY --from=deps /app ./
COPY --from=tsx /opt/tsx/node_modules/tsx ./node_modules/tsx
COPY --from=tsx /opt/tsx/node_modules/esbuild ./node_modules/esbuild
COPY --from=tsx /opt/tsx/node_modules/@esbuild ./node_modules/@esbuild
RUN mkdir -p node_modules/.bin && ln -sf ../tsx/dist/cli.mjs node_modules/.bin/tsx
COPY tsconfig.base.json tsconfig.json ./
COPY libs ./libs
COPY apps ./apps
COPY --from=web /app/apps/web/dist ./apps/web/dist
# The proxy's usage spool (PROXY_USAGE_SPOOL_DIR in compose): a volume mounted here takes this
# folder's owner, so the unprivileged user can write it.
RUN mkdir -p var/usage-spool && chown node:node var/usage-spool
USER node
# Telemetry starts before the app's first import; it stays off unless OTEL_EXPORTER_OTLP_ENDPOINT is set.
ENTRYPOINT ["node", "--import", "tsx", "--conditions=@byok/source", "--import", "./libs/telemetry/src/instrument.ts"]
CMD ["apps/api/src/main.ts"]

FROM runtime AS mock-providers
ENV HOST=0.0.0.0 PORT=8090
EXPOSE 8090
ENTRYPOINT ["npm", "run", "mock-providers"]
CMD []
