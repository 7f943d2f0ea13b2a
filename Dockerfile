# One image for every role: `laurel api`, `laurel worker`, `laurel journeys`, `laurel migrate`.
# The web pages (console, widget, draw page) are built in a first stage with the dev tools (Vite)
# and only their static build is copied into the runtime image; the api role serves it.
FROM node:20-bookworm-slim AS web
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
COPY web ./web
RUN node --import tsx web/build.ts

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY bin ./bin
COPY src ./src
COPY workflows ./workflows
COPY templates ./templates
COPY examples ./examples
COPY tsconfig.json ./
COPY --from=web /app/web/dist ./web/dist
USER node
ENTRYPOINT ["node", "bin/laurel.js"]
CMD ["api"]
