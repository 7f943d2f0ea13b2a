# One image for every role: `laurel api`, `laurel worker`, `laurel journeys`, `laurel migrate`.
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
USER node
ENTRYPOINT ["node", "bin/laurel.js"]
CMD ["api"]
