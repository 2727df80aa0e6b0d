FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends git ca-certificates && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
COPY packages ./packages
COPY services ./services
COPY migrations ./migrations
COPY tsconfig.json turbo.json ./
RUN npm ci --no-audit --no-fund
USER node
EXPOSE 3000
CMD ["npm", "run", "api"]
