/**
 * What changed between two bodies of a document, for people to read: the text blocks
 * (paragraphs, headings, list items, table cells, ...) of each, matched block by block, and
 * within a changed block word by word. Plain data; the page marks added and removed text with
 * `<ins>`/`<del>` and words, not only colour.
 */
import * as Y from 'yjs';

export interface Block {
  /** The ProseMirror node name of the text block ('paragraph', 'heading', ...). */
  kind: string;
  text: string;
}

export type Piece = { op: 'same' | 'added' | 'removed'; text: string };

export type BlockChange =
  | { op: 'same'; block: Block }
  | { op: 'added'; block: Block }
  | { op: 'removed'; block: Block }
  /** The same block with words changed: `pieces` interleave kept, removed and added words. */
  | { op: 'changed'; block: Block; pieces: Piece[] };

/** The text blocks of a body, in reading order. */
export function blocksOf(fragment: Y.XmlFragment | Y.XmlElement): Block[] {
  const out: Block[] = [];
  const visit = (node: Y.XmlElement | Y.XmlFragment): void => {
    let text = '';
    let hasText = false;
    for (const child of node.toArray()) {
      if (child instanceof Y.XmlText) {
        hasText = true;
        text += plain(child);
      } else if (child instanceof Y.XmlElement) {
        if (child.nodeName === 'image')
          out.push({ kind: 'image', text: String(child.getAttribute('alt') ?? '') });
        else if (child.nodeName === 'hardBreak') text += '\n';
        else visit(child);
      }
    }
    if (hasText && node instanceof Y.XmlElement) out.push({ kind: node.nodeName, text });
  };
  visit(fragment);
  return out;
}

/** An XmlText's characters without its formatting. */
function plain(text: Y.XmlText): string {
  let s = '';
  for (const op of text.toDelta() as Array<{ insert: unknown }>)
    if (typeof op.insert === 'string') s += op.insert;
  return s;
}

/** Longest common subsequence table of two lists, by `same`. */
function lcs<T>(
  a: readonly T[],
  b: readonly T[],
  same: (x: T, y: T) => boolean
): Array<['same' | 'added' | 'removed', number]> {
  const n = a.length;
  const m = b.length;
  // Common prefix and suffix first: most edits touch a small part of a long document.
  let start = 0;
  while (start < n && start < m && same(a[start]!, b[start]!)) start++;
  let endA = n;
  let endB = m;
  while (endA > start && endB > start && same(a[endA - 1]!, b[endB - 1]!)) {
    endA--;
    endB--;
  }
  const rows = endA - start;
  const cols = endB - start;
  const table = new Uint32Array((rows + 1) * (cols + 1));
  const at = (i: number, j: number) => i * (cols + 1) + j;
  for (let i = rows - 1; i >= 0; i--) {
    for (let j = cols - 1; j >= 0; j--) {
      table[at(i, j)] = same(a[start + i]!, b[start + j]!)
        ? table[at(i + 1, j + 1)]! + 1
        : Math.max(table[at(i + 1, j)]!, table[at(i, j + 1)]!);
    }
  }
  const steps: Array<['same' | 'added' | 'removed', number]> = [];
  for (let k = 0; k < start; k++) steps.push(['same', k]);
  let i = 0;
  let j = 0;
  while (i < rows || j < cols) {
    if (i < rows && j < cols && same(a[start + i]!, b[start + j]!)) {
      steps.push(['same', start + i]);
      i++;
      j++;
    } else if (i < rows && (j === cols || table[at(i + 1, j)]! >= table[at(i, j + 1)]!)) {
      // Removed before added, as people read a change.
      steps.push(['removed', start + i]);
      i++;
    } else {
      steps.push(['added', start + j]);
      j++;
    }
  }
  for (let k = endA; k < n; k++) steps.push(['same', k]);
  return steps;
}

/** Word by word, spaces kept with the word before them. */
export function diffWords(before: string, after: string): Piece[] {
  const split = (s: string) => s.match(/\S+\s*|\s+/g) ?? [];
  const a = split(before);
  const b = split(after);
  const pieces: Piece[] = [];
  for (const [op, index] of lcs(a, b, (x, y) => x === y)) {
    const text = op === 'added' ? b[index]! : a[index]!;
    const last = pieces[pieces.length - 1];
    if (last && last.op === op) last.text += text;
    else pieces.push({ op, text });
  }
  return pieces;
}

/** How alike two texts are, 0 to 1: the share of words they have in common. */
function likeness(a: string, b: string): number {
  const words = (s: string) => s.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  const wa = words(a);
  const wb = new Set(words(b));
  if (wa.length === 0 && wb.size === 0) return 1;
  let common = 0;
  for (const w of wa) if (wb.has(w)) common++;
  return common / Math.max(wa.length, wb.size);
}

/**
 * Block changes from `before` to `after`. Within a run of removed and added blocks between
 * unchanged ones, an added block is shown as a change of a removed block of the same kind when
 * at least half their words are alike (in order); the rest are removed or added whole.
 */
export function diffBlocks(before: readonly Block[], after: readonly Block[]): BlockChange[] {
  const steps = lcs(before, after, (x, y) => x.kind === y.kind && x.text === y.text);
  const out: BlockChange[] = [];
  let removed: Block[] = [];
  let added: Block[] = [];
  const flush = () => {
    let next = 0;
    for (const a of added) {
      let match = -1;
      for (let k = next; k < removed.length; k++) {
        if (removed[k]!.kind === a.kind && likeness(removed[k]!.text, a.text) >= 0.5) {
          match = k;
          break;
        }
      }
      if (match < 0) {
        out.push({ op: 'added', block: a });
        continue;
      }
      for (; next < match; next++) out.push({ op: 'removed', block: removed[next]! });
      out.push({ op: 'changed', block: a, pieces: diffWords(removed[match]!.text, a.text) });
      next = match + 1;
    }
    for (; next < removed.length; next++) out.push({ op: 'removed', block: removed[next]! });
    removed = [];
    added = [];
  };
  for (const [op, index] of steps) {
    if (op === 'same') {
      flush();
      out.push({ op: 'same', block: before[index]! });
    } else if (op === 'removed') removed.push(before[index]!);
    else added.push(after[index]!);
  }
  flush();
  return out;
}

/** Whether a diff holds any change. */
export const hasChanges = (changes: readonly BlockChange[]): boolean => changes.some((c) => c.op !== 'same');
