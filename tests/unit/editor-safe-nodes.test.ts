/**
 * A crafted document (a writer's modified client writes any attributes into the Yjs fragment)
 * renders nothing that reaches a style, a class or a table's layout beyond what the schema
 * allows; an honest document renders as before.
 */
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { getSchema } from '@tiptap/core';
import StarterKit from '@tiptap/starter-kit';
import type { Node as PmNode, DOMOutputSpec } from '@tiptap/pm/model';
import { yXmlFragmentToProseMirrorRootNode } from '@tiptap/y-tiptap';
import {
  LINK_REL,
  SafeCodeBlock,
  SafeLink,
  safeTableExtensions
} from '../../src/lib/components/editor/safe-nodes';
import { isSafeLink } from '../../src/lib/components/editor/urls';

const schema = getSchema([
  StarterKit.configure({ undoRedo: false, link: false, codeBlock: false }),
  SafeLink.configure({
    protocols: ['mailto'],
    isAllowedUri: (url) => isSafeLink(url),
    HTMLAttributes: { rel: LINK_REL, target: null }
  }),
  SafeCodeBlock,
  ...safeTableExtensions
]);

/** The nodes' and marks' rendered HTML (each spec's `toDOM`), as ProseMirror would set it. */
function render(root: PmNode): string {
  const out = (spec: DOMOutputSpec | 0): string => {
    if (spec === 0) return '…';
    if (typeof spec === 'string') return spec;
    if (!Array.isArray(spec)) return '[dom]';
    const [tag, maybe, ...rest] = spec as unknown[];
    const attrs =
      maybe && typeof maybe === 'object' && !Array.isArray(maybe) ? (maybe as Record<string, unknown>) : null;
    const children = attrs ? rest : [maybe, ...rest].filter((c) => c !== undefined);
    const a = attrs
      ? Object.entries(attrs)
          .filter(([, v]) => v != null)
          .map(([k, v]) => ` ${k}="${String(v)}"`)
          .join('')
      : '';
    return `<${String(tag)}${a}>${children.map((c) => out(c as DOMOutputSpec)).join('')}</${String(tag)}>`;
  };
  const lines: string[] = [];
  root.descendants((node) => {
    if (node.type.spec.toDOM) lines.push(out(node.type.spec.toDOM(node)));
    for (const mark of node.marks) lines.push(out(mark.type.spec.toDOM!(mark, true)));
    return true;
  });
  return lines.join('\n');
}

function table(cell: Record<string, unknown>, text = 'Cell'): Y.XmlElement {
  const t = new Y.XmlElement('table');
  const row = new Y.XmlElement('tableRow');
  const c = new Y.XmlElement('tableCell');
  for (const [key, value] of Object.entries(cell)) c.setAttribute(key, value as string);
  const p = new Y.XmlElement('paragraph');
  p.insert(0, [new Y.XmlText(text)]);
  c.insert(0, [p]);
  row.insert(0, [c]);
  t.insert(0, [row]);
  return t;
}

function documentOf(build: (body: Y.XmlFragment) => void): { doc: Y.Doc; body: Y.XmlFragment } {
  const doc = new Y.Doc();
  const body = doc.getXmlFragment('body');
  doc.transact(() => build(body));
  return { doc, body };
}

describe('the document schema against crafted attributes', () => {
  it('drops a table cell whose alignment, width or span is not one the editor makes', () => {
    const { body } = documentOf((b) =>
      b.insert(0, [
        table({ align: 'left; position: fixed; inset: 0; z-index: 2147483647' }, 'overlay'),
        table({ colwidth: ['1px; outline: 5px solid red'] }, 'width'),
        table({ colspan: 1_000_000_000 }, 'span'),
        table({ rowspan: -3 }, 'rowspan'),
        table({ align: 'center', colwidth: [120], colspan: 1 }, 'honest')
      ])
    );
    const html = render(yXmlFragmentToProseMirrorRootNode(body, schema));
    expect(html).not.toMatch(/position|outline|1000000000/);
    expect(html).not.toContain('overlay');
    // The honest table renders as Tiptap renders it.
    expect(html).toContain('<td colspan="1" rowspan="1" colwidth="120" style="text-align: center">');
    expect(html).toContain('<col style="width: 120px">');
    // y-tiptap removes the cells it could not show from the fragment: a writer's editor clears
    // them for everyone.
    const cells = body.toArray().map((t) => ((t as Y.XmlElement).get(0) as Y.XmlElement).length);
    expect(cells).toEqual([0, 0, 0, 0, 1]);
  });

  it('renders a link with its checked address, its title and the fixed rel only', () => {
    const { body } = documentOf((b) => {
      const p = new Y.XmlElement('paragraph');
      const text = new Y.XmlText();
      p.insert(0, [text]);
      b.insert(0, [p]);
      text.insert(0, 'Sign in again', {
        link: {
          href: 'https://phish.example/login',
          class: 'skip-link',
          target: 'fika',
          rel: 'opener',
          title: 'Fika'
        }
      });
      text.insert(text.length, ' or run', { link: { href: 'javascript:alert(1)' } });
    });
    const html = render(yXmlFragmentToProseMirrorRootNode(body, schema));
    expect(html).toContain(`<a href="https://phish.example/login" rel="${LINK_REL}" title="Fika">…</a>`);
    expect(html).toContain(`<a href="" rel="${LINK_REL}">…</a>`);
    expect(html).not.toMatch(/skip-link|target|opener"|javascript/);
  });

  it('gives a code block a language class only for a plain language name', () => {
    const { body } = documentOf((b) => {
      const crafted = new Y.XmlElement('codeBlock');
      crafted.setAttribute('language', 'x visually-hidden');
      crafted.insert(0, [new Y.XmlText('hidden')]);
      const honest = new Y.XmlElement('codeBlock');
      honest.setAttribute('language', 'c++');
      honest.insert(0, [new Y.XmlText('int main() {}')]);
      b.insert(0, [crafted, honest]);
    });
    const html = render(yXmlFragmentToProseMirrorRootNode(body, schema));
    expect(html).toContain('<pre><code>…</code></pre>');
    expect(html).toContain('<pre><code class="language-c++">…</code></pre>');
    expect(html).not.toContain('visually-hidden');
  });
});
