/**
 * Keeps list items the same objects while their content is the same. A live query answers with
 * new objects every time it runs; handed to a keyed `{#each}` as they are, every row of a long
 * list would update although one changed. Passing the answer through `stableList` first
 * reuses the previous object for every item whose content did not change, so only changed rows
 * render again (the feed appends a page to a thousand posts without touching the others).
 */
export function stableList<T extends { id: string }>(): (items: T[]) => T[] {
  let previous = new Map<string, { json: string; item: T }>();
  return (items) => {
    const next = new Map<string, { json: string; item: T }>();
    const out = items.map((item) => {
      const json = JSON.stringify(item);
      const before = previous.get(item.id);
      const kept = before && before.json === json ? before.item : item;
      next.set(item.id, { json, item: kept });
      return kept;
    });
    previous = next;
    return out;
  };
}
