import { describe, expect, it } from 'vitest';
import { docToMarkdown, markdownFileName, type DocNode } from '../../src/lib/content/doc-markdown';

const labels = { note: 'Note', warning: 'Warning' };
const text = (t: string, marks: DocNode['marks'] = []): DocNode => ({ type: 'text', text: t, marks });
const p = (...content: DocNode[]): DocNode => ({ type: 'paragraph', content });

describe('docToMarkdown', () => {
  it('writes headings, marks, links, lists, task lists, quotes, callouts and tables', () => {
    const body: DocNode = {
      type: 'doc',
      content: [
        { type: 'heading', attrs: { level: 2 }, content: [text('Semester')] },
        p(
          text('Ansök '),
          text('senast', [{ type: 'bold' }]),
          text(' i mars, se '),
          text('portalen', [{ type: 'link', attrs: { href: 'https://hr.example/a b' } }]),
          text('.')
        ),
        {
          type: 'bulletList',
          content: [
            { type: 'listItem', content: [p(text('ett'))] },
            {
              type: 'listItem',
              content: [
                p(text('två')),
                { type: 'bulletList', content: [{ type: 'listItem', content: [p(text('under'))] }] }
              ]
            }
          ]
        },
        {
          type: 'orderedList',
          attrs: { start: 3 },
          content: [{ type: 'listItem', content: [p(text('tre'))] }]
        },
        {
          type: 'taskList',
          content: [
            { type: 'taskItem', attrs: { checked: true }, content: [p(text('klart'))] },
            { type: 'taskItem', attrs: { checked: false }, content: [p(text('kvar'))] }
          ]
        },
        { type: 'callout', attrs: { tone: 'warning' }, content: [p(text('Bär hjälm.'))] },
        {
          type: 'table',
          content: [
            {
              type: 'tableRow',
              content: [
                { type: 'tableHeader', content: [p(text('Dag'))] },
                { type: 'tableHeader', content: [p(text('Skift'))] }
              ]
            },
            {
              type: 'tableRow',
              content: [
                { type: 'tableCell', content: [p(text('Mån'))] },
                { type: 'tableCell', content: [p(text('Tidig|sen'))] }
              ]
            }
          ]
        }
      ]
    };
    expect(docToMarkdown('Semesterpolicy', body, labels)).toBe(
      [
        '# Semesterpolicy',
        '## Semester',
        'Ansök **senast** i mars, se [portalen](https://hr.example/a%20b).',
        '- ett\n- två\n  - under',
        '3. tre',
        '- [x] klart\n- [ ] kvar',
        '> **Warning:** Bär hjälm.',
        '| Dag | Skift |\n| --- | --- |\n| Mån | Tidig\\|sen |'
      ].join('\n\n') + '\n'
    );
  });

  it('escapes what would read as Markdown or HTML, and keeps unknown nodes as text', () => {
    const body: DocNode = {
      type: 'doc',
      content: [p(text('<script>*x*</script>')), { type: 'mystery', content: [p(text('kvar'))] }]
    };
    expect(docToMarkdown('T', body, labels)).toBe('# T\n\n\\<script\\>\\*x\\*\\</script\\>\n\nkvar\n');
  });

  it('keeps only the links and images the editor would show', () => {
    const link = (href: string) => text('här', [{ type: 'link', attrs: { href } }]);
    const image = (src: string): DocNode => ({ type: 'image', attrs: { src, alt: 'Bild' } });
    const body: DocNode = {
      type: 'doc',
      content: [
        p(link('javascript:alert(1)'), text(' '), link('https://hr.example/a')),
        image('javascript:alert(1)'),
        image('/api/uploads/abc (1)')
      ]
    };
    expect(docToMarkdown('T', body, labels)).toBe(
      '# T\n\nhär [här](https://hr.example/a)\n\n![Bild](/api/uploads/abc%20%281%29)\n'
    );
  });

  it('names the file after the title, safely', () => {
    expect(markdownFileName('IT: säkerhet / regler?')).toBe('IT säkerhet regler.md');
    expect(markdownFileName('  ')).toBe('document.md');
  });
});
