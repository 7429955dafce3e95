/**
 * Which addresses a document may link to or show: links only to the web (http, https) and to
 * mail addresses, images only from the web or from this server's uploads. Anything else
 * (`javascript:`, `data:`, `file:` …) is dropped when pasted, typed or received from another
 * device, so that a crafted document cannot run script in a reader's browser.
 */
const LINK_PROTOCOLS = new Set(['http:', 'https:', 'mailto:']);
const IMAGE_PROTOCOLS = new Set(['http:', 'https:']);

function parse(url: string, base?: string): URL | null {
  try {
    return new URL(url.trim(), base);
  } catch {
    return null;
  }
}

/** Whether `url` is an absolute http(s) or mailto address. */
export function isSafeLink(url: string | null | undefined): boolean {
  if (!url) return false;
  const parsed = parse(url);
  return parsed !== null && LINK_PROTOCOLS.has(parsed.protocol);
}

/** Whether `url` is an http(s) image address; relative ones resolve against `base` (this origin). */
export function isSafeImage(url: string | null | undefined, base: string): boolean {
  if (!url) return false;
  const parsed = parse(url, base);
  return parsed !== null && IMAGE_PROTOCOLS.has(parsed.protocol);
}

/** Eight colours that white text reads on (contrast ≥ 4.5:1), for other people's carets. */
export const CARET_COLOURS = [
  '#b5179e',
  '#0a6e57',
  '#1d4ed8',
  '#9a3412',
  '#6d28d9',
  '#0e7490',
  '#be123c',
  '#4d7c0f'
] as const;

/** The same colour for the same person on every device. */
export function caretColour(userId: string): string {
  let hash = 0;
  for (const char of userId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  return CARET_COLOURS[hash % CARET_COLOURS.length]!;
}
