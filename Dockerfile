FROM node:24-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages ./packages
COPY services ./services
COPY migrations ./migrations
COPY tsconfig.json turbo.json ./
COPY scripts ./scripts
RUN npm ci --omit=optional --no-audit --no-fund && npm run bundle && mkdir -p /app/data && chown node /app/data
USER node
EXPOSE 3000 9464
CMD ["node", "--enable-source-maps", "dist/api.mjs"]
