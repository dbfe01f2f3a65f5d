// Builds <frontline-chat> into one self-contained script, dist/web/widget.js, that the server serves at /widget.js.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  build: {
    outDir: fileURLToPath(new URL('../../dist/web', import.meta.url)),
    emptyOutDir: false,
    target: 'es2020',
    lib: { entry: fileURLToPath(new URL('src/frontline-chat.ts', import.meta.url)), name: 'FrontlineChat', formats: ['iife'], fileName: () => 'widget.js' },
  },
});
