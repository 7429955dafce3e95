import adapter from '@sveltejs/adapter-static';
import { vitePreprocess } from '@sveltejs/vite-plugin-svelte';

/** @type {import('@sveltejs/kit').Config} */
const config = {
  preprocess: vitePreprocess(),
  kit: {
    // A single-page app: every route renders in the browser from the prerendered shell, which the
    // sync server serves for any path it does not know (see sync-server/src/server.ts).
    adapter: adapter({ pages: 'build', assets: 'build', fallback: 'index.html', precompress: true }),
    // Offline deep links must load `/_app/...`, not a path relative to the deep URL.
    paths: { relative: false },
    // The PWA plugin generates and registers the one service worker (see vite.config.ts).
    serviceWorker: { register: false },
    alias: { $model: 'src/lib/model' },
    // Defence in depth for user content (always rendered as text): only the app's own scripts
    // run (the shell's inline bootstrap by its hash), and it talks only to its own server.
    csp: {
      mode: 'hash',
      directives: {
        'default-src': ['self'],
        'script-src': ['self'],
        'style-src': ['self', 'unsafe-inline'],
        'img-src': ['self', 'data:', 'blob:'],
        'font-src': ['self'],
        'connect-src': ['self'],
        'worker-src': ['self'],
        'manifest-src': ['self'],
        'object-src': ['none'],
        'base-uri': ['self'],
        'form-action': ['self']
      }
    }
  }
};

export default config;
