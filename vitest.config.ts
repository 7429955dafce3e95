import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // The SvelteKit plugin compiles `.svelte.ts` state classes (runes) and resolves `$lib`.
  plugins: [sveltekit()],
  test: {
    include: [
      'src/**/*.test.ts',
      'sync-server/**/*.test.ts',
      'tests/unit/**/*.test.ts',
      'tests/integration/**/*.test.ts'
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks'
  }
});
