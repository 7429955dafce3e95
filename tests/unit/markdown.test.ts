import { describe, expect, it } from 'vitest';
import { mentionMarkdown, mentionedIds, plainText, renderMarkdown } from '../../src/lib/content/markdown';

describe('renderMarkdown', () => {
  it('renders the subset: bold, italic, lists, headings, links, line breaks', () => {
    const html = renderMarkdown(
      '## Rubrik\n**fet** och _kursiv_\n\n- ett\n- två\n\n1. first\n\n[Fika](https://fika.example/a)'
    );
    expect(html).toContain('<h5>Rubrik</h5>');
    expect(html).toContain('<strong>fet</strong> och <em>kursiv</em>');
    expect(html).toContain('<ul>\n<li>ett</li>\n<li>två</li>\n</ul>');
    expect(html).toContain('<ol>\n<li>first</li>\n</ol>');
    expect(html).toContain(
      '<a href="https://fika.example/a" target="_blank" rel="noopener noreferrer nofollow ugc">Fika</a>'
    );
  });

  it('links bare URLs and keeps line breaks', () => {
    const html = renderMarkdown('see https://example.org/x\nnext line');
    expect(html).toContain('<a href="https://example.org/x"');
    expect(html).toContain('<br>');
  });

  it('turns mentions into links to the person', () => {
    const html = renderMarkdown(`Tack ${mentionMarkdown({ id: 'sara', name: 'Sara Nilsson' })}!`);
    expect(html).toContain('<a href="/people?person=sara" class="mention">@Sara Nilsson</a>');
  });

  it.each([
    ['<script>alert(1)</script>', '&lt;script&gt;alert(1)&lt;/script&gt;'],
    ['<img src=x onerror=alert(1)>', '&lt;img src=x onerror=alert(1)&gt;'],
    ['<a href="https://x" onclick="alert(1)">x</a>', 'onclick=&quot;alert(1)&quot;&gt;x&lt;/a&gt;'],
    ['<iframe src="https://evil.example"></iframe>', '&lt;iframe']
  ])('shows HTML as text: %s', (input, expected) => {
    const html = renderMarkdown(input);
    expect(html).toContain(expected);
    expect(html).not.toMatch(/<(script|img|iframe)\b/i);
    expect(html).not.toMatch(/<a [^>]*onclick/i);
  });

  it.each([
    '[click](javascript:alert(1))',
    '[click](JAVASCRIPT:alert(1))',
    '[click](  javascript:alert(1))',
    '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
    '[click](vbscript:msgbox(1))',
    '<javascript:alert(1)>',
    '[x](mention:sara" onclick="alert(1))'
  ])('never makes a link of an unsafe URL: %s', (input) => {
    const html = renderMarkdown(input);
    expect(html).not.toMatch(/<a /);
  });

  it('ignores images in the text (images are attachments)', () => {
    expect(renderMarkdown('![x](https://example.org/a.png)')).not.toContain('<img');
  });
});

describe('plainText and mentions', () => {
  it('strips the Markdown for excerpts', () => {
    expect(plainText('## Hej\n**Christmas lunch** on [Friday](https://x.example)\n- one')).toBe(
      'Hej Christmas lunch on Friday - one'
    );
  });

  it('finds the people mentioned, once each', () => {
    const text = `${mentionMarkdown({ id: 'sara', name: 'Sara [N]' })} and ${mentionMarkdown({ id: 'erik', name: 'Erik' })} and ${mentionMarkdown({ id: 'sara', name: 'Sara' })}`;
    expect(mentionedIds(text)).toEqual(['sara', 'erik']);
    expect(text).toContain('[@Sara N](mention:sara)');
  });
});
