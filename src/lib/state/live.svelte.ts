/**
 * A Dexie `liveQuery` as a reactive value for components: `const posts = live(() => recentPosts(db), [])`
 * then `posts.value`. Re-runs whenever the tables it read change (in this tab or another), and
 * whenever reactive state read inside `query` changes. Call it during component initialisation.
 */
import { liveQuery } from 'dexie';

export function live<T>(
  query: () => T | Promise<T>,
  initial: T
): { readonly value: T; readonly loaded: boolean } {
  let value = $state.raw(initial);
  let loaded = $state(false);
  $effect(() => {
    const subscription = liveQuery(query).subscribe({
      next: (next) => {
        value = next;
        loaded = true;
      },
      error: (err: unknown) => console.error('live query failed', err)
    });
    return () => subscription.unsubscribe();
  });
  return {
    get value() {
      return value;
    },
    get loaded() {
      return loaded;
    }
  };
}
