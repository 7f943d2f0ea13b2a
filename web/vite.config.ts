import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Three pages, one build: the marketer console, the member widget and the public draw page.
 * Served by the api role under /console, /widget and /draws/:id; assets under /ui/.
 * `npm run web:dev` serves them with hot reload and proxies the API (API_URL, default :3000).
 */
export default defineConfig({
  root,
  base: '/ui/',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  resolve: { alias: { react: 'preact/compat', 'react-dom': 'preact/compat' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    manifest: true,
    target: 'es2022',
    sourcemap: false,
    reportCompressedSize: false,
    rolldownOptions: {
      input: {
        console: `${root}console/index.html`,
        widget: `${root}widget/index.html`,
        draw: `${root}draw/index.html`,
      },
    },
  },
  server: {
    proxy: { '/v1': process.env.API_URL ?? 'http://127.0.0.1:3000' },
  },
});
