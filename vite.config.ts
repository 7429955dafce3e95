import { sveltekit } from '@sveltejs/kit/vite';
import { SvelteKitPWA } from '@vite-pwa/sveltekit';
import { defineConfig } from 'vite';

/** Where `npm run dev` finds the sync server for `/api` and `/sync`. */
const server = process.env.FIKA_DEV_SERVER ?? 'http://127.0.0.1:3000';

export default defineConfig({
  plugins: [
    sveltekit(),
    SvelteKitPWA({
      registerType: 'prompt',
      injectRegister: false,
      // Written to build/manifest.webmanifest and linked from src/app.html.
      manifest: {
        id: '/',
        name: 'Fika',
        short_name: 'Fika',
        description: 'Fika: news, conversations and guidelines for everyone at work, also offline.',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        theme_color: '#6b3e26',
        background_color: '#fbf7f2',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
          { src: '/icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' }
        ]
      },
      workbox: {
        // The shell is precached under `/` and answers every navigation when offline.
        navigateFallback: '/',
        navigateFallbackDenylist: [/^\/api\//, /^\/sync\//, /^\/metrics/, /^\/healthz/],
        globPatterns: ['client/**/*.{js,css,ico,png,svg,webmanifest,woff2}'],
        cleanupOutdatedCaches: true,
        // Post images, once seen, are there offline too. An upload never changes (its id is new
        // for every file), so the cached copy is always right; sign-out deletes this cache.
        runtimeCaching: [
          {
            urlPattern: ({ url, sameOrigin }) => sameOrigin && url.pathname.startsWith('/api/uploads/'),
            handler: 'CacheFirst',
            options: {
              cacheName: 'fika-images',
              expiration: { maxEntries: 2000, maxAgeSeconds: 365 * 24 * 3600, purgeOnQuotaError: true },
              cacheableResponse: { statuses: [200] }
            }
          }
        ]
      },
      kit: { adapterFallback: 'index.html', spa: { fallbackMapping: '/' } }
    })
  ],
  server: {
    proxy: {
      '/api': server,
      '/sync': { target: server.replace(/^http/, 'ws'), ws: true }
    }
  },
  build: {
    target: 'es2022',
    // The bundler's report of slow plugin callbacks (the PWA plugin's, after the build) is noise
    // in every `npm start` that rebuilds.
    rolldownOptions: { checks: { bundlerTimings: false } }
  },
  // SvelteKit's server code (run at build time to prerender the shell) needs cookie 0.6, but the
  // server's Fastify puts cookie 2 at the top of node_modules: bundle Kit's own copy instead.
  ssr: { noExternal: ['cookie'] }
});
