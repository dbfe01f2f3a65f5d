// Builds the console into dist/web/console (index.html + hashed assets) that the server serves at /console.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/web/console', import.meta.url)),
    emptyOutDir: true,
    // No inline script: the server's Content-Security-Policy allows scripts from this origin only.
    modulePreload: { polyfill: false },
  },
});
