/**
 * Snippets: a short window of an item's text around its first match, with the matching words'
 * ranges to highlight. Ranges are computed here rather than from Lunr's term positions, which
 * would make the persisted index several times larger; the words are matched with the same
 * folding and stemming as the index (query.ts `matcher`). The UI renders ranges as `<mark>`
 * around escaped text, never as HTML.
 */
import { words } from './language';
import type { Range, Snippet } from './types';

/** Highlights every matching word of a short text (a title). */
export function highlightAll(text: string, matches: (word: string) => boolean): Snippet {
  const ranges: Range[] = words(text)
    .filter((w) => matches(w.word))
    .map((w) => [w.start, w.end]);
  return { text, ranges };
}

/** Collapses whitespace and Markdown's marks so a snippet reads as running text. */
function plain(text: string): string {
  return (
    text
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/[#>*_`|~]+/g, ' ')
      // Lines (a document's blocks, a post's paragraphs) stay apart.
      .replace(/[ \t]*\n\s*/g, ' · ')
      .replace(/\s+/g, ' ')
      .replace(/^[\s·]+|[\s·]+$/g, '')
  );
}

/** The first word of `text` that matches, without reading further. */
function firstMatch(text: string, matches: (word: string) => boolean): { start: number; end: number } | null {
  for (const m of text.matchAll(/[\p{L}\p{N}]+/gu)) {
    if (matches(m[0])) return { start: m.index, end: m.index + m[0].length };
  }
  return null;
}

/**
 * About `length` characters of `text` around its first match (the start when nothing matches),
 * cut at word boundaries, with an ellipsis where it was cut. Only the window is worked on, so a
 * long document costs little more than a short post.
 */
export function snippet(rawText: string, matches: (word: string) => boolean, length = 180): Snippet {
  const first = firstMatch(rawText, matches);
  // Markdown's marks take room in the raw text: take a wider raw window, then cut the plain one.
  const from = first && first.end > length * 0.6 ? Math.max(0, first.start - length) : 0;
  const raw = rawText.slice(from, from + length * 3);
  let text = plain(raw);
  const cutStart = from > 0;
  const all = words(text);
  const at = first ? all.find((w) => matches(w.word)) : undefined;
  let start = 0;
  if (cutStart || (at && at.end > length * 0.6)) {
    const wanted = Math.max(0, (at?.start ?? 0) - Math.floor(length / 3));
    start = all.find((w) => w.start >= wanted)?.start ?? at?.start ?? 0;
  }
  const moreAfter = from + raw.length < rawText.length;
  let end = Math.min(text.length, start + length);
  if (end < text.length) {
    const lastWord = all.filter((w) => w.start < end && w.start >= start).pop();
    if (lastWord && lastWord.end > end && lastWord.start > start) end = lastWord.start;
    end = Math.max(end, start + 1);
  }
  const lead = start > 0 || cutStart ? '… ' : '';
  const tail = end < text.length || moreAfter ? ' …' : '';
  text = text.slice(start, end).trimEnd();
  const ranges: Range[] = all
    .filter((w) => w.start >= start && w.end <= start + text.length && matches(w.word))
    .map((w) => [w.start - start + lead.length, w.end - start + lead.length]);
  return { text: lead + text + tail, ranges };
}

/** Splits a snippet into parts to render, each marked or not. */
export function parts(s: Snippet): { text: string; mark: boolean }[] {
  const out: { text: string; mark: boolean }[] = [];
  let at = 0;
  for (const [from, to] of [...s.ranges].sort((a, b) => a[0] - b[0])) {
    if (from < at) continue;
    if (from > at) out.push({ text: s.text.slice(at, from), mark: false });
    out.push({ text: s.text.slice(from, to), mark: true });
    at = to;
  }
  if (at < s.text.length) out.push({ text: s.text.slice(at), mark: false });
  return out;
}
