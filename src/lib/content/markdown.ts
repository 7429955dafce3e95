/**
 * Post and comment text: a small, safe Markdown subset rendered to HTML.
 *
 * What people may use: paragraphs and line breaks, **bold** and _italic_, headings, bulleted
 * and numbered lists, quotes, `code`, links (written or bare URLs) and mentions. Nothing else:
 * raw HTML is never interpreted (it shows as the text it is), images come as attachments rather
 * than from the text, and a link is kept only when it goes to http(s), mailto or a mention —
 * `javascript:`, `data:` and the like stay plain text.
 *
 * markdown-it escapes everything it does not turn into one of these elements, so its output is
 * safe on its own; in the browser it also passes through DOMPurify with an allow-list of exactly
 * the elements and attributes produced here, so that a mistake in one layer is caught by the other.
 *
 * Mentions are Markdown links with the `mention:` scheme (see mentions.ts).
 *
 * The app loads this module (and markdown-it and DOMPurify with it) only once a post is on
 * screen, after the first paint: see components/Markdown.svelte.
 */
import MarkdownIt from 'markdown-it';
import DOMPurify from 'dompurify';

const SAFE_URL = /^(https?:|mailto:|mention:[A-Za-z0-9_-]{1,64}$)/i;

const md = new MarkdownIt('zero', { html: false, linkify: true, breaks: true, typographer: false });
md.enable(['heading', 'lheading', 'list', 'blockquote', 'emphasis', 'link', 'linkify', 'newline']);
md.enable(['escape', 'backticks', 'autolink']);
md.validateLink = (url: string) => SAFE_URL.test(url.trim());

// Headings inside a post sit below the post's own heading (h3): # → h4, ## → h5, the rest h6.
const headingTag = (tag: string) => `h${Math.min(6, Number(tag.slice(1)) + 3)}`;
md.renderer.rules.heading_open = (tokens, idx) => `<${headingTag(tokens[idx]!.tag)}>`;
md.renderer.rules.heading_close = (tokens, idx) => `</${headingTag(tokens[idx]!.tag)}>\n`;

md.renderer.rules.link_open = (tokens, idx, options, _env, self) => {
  const token = tokens[idx]!;
  const href = String(token.attrGet('href') ?? '');
  const mention = /^mention:(.+)$/i.exec(href);
  if (mention) {
    token.attrSet('href', `/people?person=${encodeURIComponent(mention[1]!)}`);
    token.attrSet('class', 'mention');
  } else {
    token.attrSet('target', '_blank');
    token.attrSet('rel', 'noopener noreferrer nofollow ugc');
  }
  return self.renderToken(tokens, idx, options);
};

const ALLOWED_TAGS = [
  'p',
  'br',
  'strong',
  'em',
  'a',
  'ul',
  'ol',
  'li',
  'h4',
  'h5',
  'h6',
  'blockquote',
  'code'
];
const ALLOWED_ATTR = ['href', 'target', 'rel', 'class', 'start'];

/** The text as safe HTML. */
export function renderMarkdown(text: string): string {
  const html = md.render(text);
  // DOMPurify needs a DOM: in the browser it always has one; elsewhere (tests, the server)
  // markdown-it's own escaping is what there is.
  if (!DOMPurify.isSupported) return html;
  return DOMPurify.sanitize(html, {
    ALLOWED_TAGS,
    ALLOWED_ATTR,
    ALLOWED_URI_REGEXP: /^(https?:|mailto:|\/)/i
  });
}

/** The text without Markdown, on one line: for excerpts and notifications. */
export function plainText(text: string): string {
  const tokens = md.parseInline(text.replace(/\s*\n\s*/g, ' '), {});
  const out: string[] = [];
  for (const token of tokens) {
    for (const child of token.children ?? []) {
      if (child.type === 'text' || child.type === 'code_inline') out.push(child.content);
      else if (child.type === 'softbreak' || child.type === 'hardbreak') out.push(' ');
    }
  }
  return out
    .join('')
    .replace(/^#{1,6}\s+/, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export { mentionedIds, mentionMarkdown } from './mentions';
