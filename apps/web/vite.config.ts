import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The API (npm start) listens on 8080; `vite dev` forwards the API, proxy and dashboard paths to it,
// so the page talks to the same origin in development as in production.
const API = process.env.BYOK_API_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The budget is measured gzipped by the e2e run; skipping vite's own report keeps builds fast.
    reportCompressedSize: false,
  },
  server: { proxy: { '/api': API, '/v1': API, '/admin': API, '/docs': API } },
});
