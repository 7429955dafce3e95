/**
 * "Seen": a post counts as read once most of it has been on screen for a moment. An attachment
 * for the feed's cards; the ids seen are handed over in batches, so that scrolling through a
 * page writes the person's read state once rather than once per post.
 */
import type { Attachment } from 'svelte/attachments';

const VISIBLE_FOR_MS = 800;
const BATCH_MS = 400;

export function seenTracker(onSeen: (ids: string[]) => void): (id: string) => Attachment<HTMLElement> {
  const timers = new Map<Element, ReturnType<typeof setTimeout>>();
  const ids = new Map<Element, string>();
  let batch: string[] = [];
  let flush: ReturnType<typeof setTimeout> | null = null;

  const observer =
    typeof IntersectionObserver === 'undefined'
      ? null
      : new IntersectionObserver(
          (entries) => {
            for (const entry of entries) {
              const id = ids.get(entry.target);
              if (id === undefined) continue;
              if (entry.isIntersecting) {
                if (timers.has(entry.target)) continue;
                timers.set(
                  entry.target,
                  setTimeout(() => {
                    timers.delete(entry.target);
                    observer?.unobserve(entry.target);
                    batch.push(id);
                    flush ??= setTimeout(() => {
                      flush = null;
                      const seen = batch;
                      batch = [];
                      onSeen(seen);
                    }, BATCH_MS);
                  }, VISIBLE_FOR_MS)
                );
              } else {
                clearTimeout(timers.get(entry.target));
                timers.delete(entry.target);
              }
            }
          },
          { threshold: 0.6 }
        );

  return (id: string) => (element: HTMLElement) => {
    ids.set(element, id);
    observer?.observe(element);
    return () => {
      observer?.unobserve(element);
      clearTimeout(timers.get(element));
      timers.delete(element);
      ids.delete(element);
    };
  };
}
