/**
 * A document as Markdown, for "Download as Markdown": from the editor's JSON (Tiptap's
 * `getJSON()`, ProseMirror's node and mark names) to CommonMark with GitHub's tables and task
 * lists. Callouts become quotes that start with their tone ("**Note:**", "**Warning:**").
 * Anything unknown keeps its text, so nothing written is lost from the export.
 */
import { isSafeImage, isSafeLink } from '../components/editor/urls';

export interface DocNode {
  type?: string;
  attrs?: Record<string, unknown>;
  content?: DocNode[];
  marks?: { type: string; attrs?: Record<string, unknown> }[];
  text?: string;
}

export interface MarkdownLabels {
  note: string;
  warning: string;
}

/** Characters that would otherwise start Markdown syntax inside running text. */
function escapeText(text: string): string {
  return text.replace(/([\\`*_[\]<>|])/g, '\\$1');
}

function inline(nodes: DocNode[] = []): string {
  return nodes
    .map((node) => {
      if (node.type === 'hardBreak') return '  \n';
      if (node.type === 'image') return image(node);
      if (node.type !== 'text') return inline(node.content);
      let text = node.text ?? '';
      const marks = node.marks ?? [];
      const code = marks.some((m) => m.type === 'code');
      text = code ? `\`${text.replace(/`/g, 'ˋ')}\`` : escapeText(text);
      for (const mark of marks) {
        if (mark.type === 'bold') text = `**${text}**`;
        else if (mark.type === 'italic') text = `_${text}_`;
        else if (mark.type === 'strike') text = `~~${text}~~`;
      }
      const link = marks.find((m) => m.type === 'link');
      // What the editor would show: a crafted document may hold any address.
      const href =
        typeof link?.attrs?.href === 'string' && isSafeLink(link.attrs.href) ? link.attrs.href : null;
      return href ? `[${text}](${markdownUrl(href)})` : text;
    })
    .join('');
}

/**
 * An address as a Markdown link target: parentheses and white space would end it early, so they
 * are percent-encoded (`encodeURIComponent` leaves parentheses as they are).
 */
function markdownUrl(url: string): string {
  return url.replace(/[()\s]/g, (c) => (c === '(' ? '%28' : c === ')' ? '%29' : encodeURIComponent(c)));
}

function image(node: DocNode): string {
  const raw = typeof node.attrs?.src === 'string' ? node.attrs.src : '';
  // Relative addresses are this server's uploads; the base only tells them from other schemes.
  const src = isSafeImage(raw, 'https://fika.invalid/') ? markdownUrl(raw) : '';
  const alt = typeof node.attrs?.alt === 'string' ? node.attrs.alt : '';
  return src ? `![${escapeText(alt)}](${src})` : '';
}

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((line, i) => (i === 0 || line === '' ? line : by + line))
    .join('\n');
}

function table(node: DocNode): string {
  const rows = (node.content ?? []).map((row) =>
    (row.content ?? []).map((cell) =>
      (cell.content ?? [])
        .map((block) => inline(block.content))
        .join(' ')
        .replace(/\n/g, ' ')
    )
  );
  if (rows.length === 0) return '';
  const width = Math.max(...rows.map((r) => r.length));
  const line = (cells: string[]) =>
    `| ${Array.from({ length: width }, (_, i) => cells[i] ?? '').join(' | ')} |`;
  return [
    line(rows[0]!),
    `| ${Array.from({ length: width }, () => '---').join(' | ')} |`,
    ...rows.slice(1).map(line)
  ].join('\n');
}

function block(node: DocNode, labels: MarkdownLabels): string {
  const children = (nodes: DocNode[] = []) =>
    nodes
      .map((n) => block(n, labels))
      .filter(Boolean)
      .join('\n\n');
  switch (node.type) {
    case 'paragraph':
      return inline(node.content);
    case 'heading': {
      const level = Math.min(6, Math.max(1, Number(node.attrs?.level) || 1));
      return `${'#'.repeat(level)} ${inline(node.content)}`;
    }
    case 'bulletList':
    case 'orderedList':
    case 'taskList': {
      const start = Number(node.attrs?.start) || 1;
      return (node.content ?? [])
        .map((item, i) => {
          const marker =
            node.type === 'orderedList'
              ? `${start + i}. `
              : node.type === 'taskList'
                ? `- [${item.attrs?.checked === true ? 'x' : ' '}] `
                : '- ';
          // Tight lists: an item's paragraph and its nested list on consecutive lines.
          const inner = (item.content ?? [])
            .map((n) => block(n, labels))
            .filter(Boolean)
            .join('\n');
          return marker + indent(inner, ' '.repeat(marker.length));
        })
        .join('\n');
    }
    case 'blockquote':
      return children(node.content)
        .split('\n')
        .map((line) => (line ? `> ${line}` : '>'))
        .join('\n');
    case 'callout': {
      const label = node.attrs?.tone === 'warning' ? labels.warning : labels.note;
      return `**${label}:** ${children(node.content)}`
        .split('\n')
        .map((line) => (line ? `> ${line}` : '>'))
        .join('\n');
    }
    case 'codeBlock':
      return `\`\`\`\n${(node.content ?? []).map((n) => n.text ?? '').join('')}\n\`\`\``;
    case 'horizontalRule':
      return '---';
    case 'table':
      return table(node);
    case 'image':
      return image(node);
    default:
      return node.content ? children(node.content) : inline([node]);
  }
}

/** The whole document: its title as the first heading, then its body. */
export function docToMarkdown(title: string, body: DocNode, labels: MarkdownLabels): string {
  const content = (body.content ?? []).map((n) => block(n, labels)).filter((s) => s.trim() !== '');
  return `${[`# ${escapeText(title)}`, ...content].join('\n\n')}\n`;
}

/** A file name for the download: the title, safe on every system. */
export function markdownFileName(title: string): string {
  const printable = Array.from(title.normalize('NFC'))
    .map((c) => (c.charCodeAt(0) < 32 ? ' ' : c))
    .join('');
  const base = printable
    .replace(/[\\/:*?"<>|]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 100);
  return `${base || 'document'}.md`;
}
