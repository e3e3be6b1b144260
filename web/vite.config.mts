/**
 * The console's build: Vue single-file components, Element Plus imported per component (only what the
 * pages use reaches the bundle, with its CSS), output to web/dist, which the API serves at /.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import AutoImport from 'unplugin-auto-import/vite';
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers';
import Components from 'unplugin-vue-components/vite';
import { defineConfig } from 'vite';

const here = path.dirname(fileURLToPath(import.meta.url));

export default defineConfig({
  root: here,
  base: '/',
  plugins: [
    vue(),
    // ElMessage, ElMessageBox and their styles, where a script uses them.
    AutoImport({ resolvers: [ElementPlusResolver()], dts: path.join(here, 'src', 'auto-imports.d.ts') }),
    // <el-…> tags in templates, each with its own CSS.
    Components({ resolvers: [ElementPlusResolver()], dts: false, dirs: [] }),
  ],
  build: {
    outDir: path.join(here, 'dist'),
    emptyOutDir: true,
    chunkSizeWarningLimit: 800,
    reportCompressedSize: false,
  },
  server: {
    // `npx vite web` during development: the API on its default port answers the calls.
    proxy: Object.fromEntries(
      ['/auth', '/inbox', '/tasks', '/procedures', '/supervision', '/people', '/calendar', '/units', '/users', '/notifications', '/audit', '/me'].map((p) => [
        p,
        'http://127.0.0.1:3000',
      ]),
    ),
  },
});
