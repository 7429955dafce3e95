/** Which addresses a document may link to or show, and the caret colour per person. */
import { describe, expect, it } from 'vitest';
import { CARET_COLOURS, caretColour, isSafeImage, isSafeLink } from '../../src/lib/components/editor/urls';

describe('isSafeLink', () => {
  it('allows web and mail addresses only', () => {
    for (const url of ['https://intranet.example/a?b=1', 'http://x.example', 'mailto:hr@demo.example']) {
      expect(isSafeLink(url), url).toBe(true);
    }
    for (const url of [
      'javascript:alert(1)',
      ' JavaScript:alert(1)',
      'java\tscript:alert(1)',
      'data:text/html,<script>alert(1)</script>',
      'vbscript:msgbox(1)',
      'file:///etc/passwd',
      '/relative/path',
      '',
      null,
      undefined
    ]) {
      expect(isSafeLink(url), String(url)).toBe(false);
    }
  });
});

describe('isSafeImage', () => {
  const base = 'https://fika.example/docs/x';
  it('allows http(s) images, relative ones on this server included, and nothing else', () => {
    expect(isSafeImage('/api/images/abc.png', base)).toBe(true);
    expect(isSafeImage('https://cdn.example/a.webp', base)).toBe(true);
    expect(isSafeImage('data:image/png;base64,AAAA', base)).toBe(false);
    expect(isSafeImage('javascript:alert(1)', base)).toBe(false);
    expect(isSafeImage('blob:https://fika.example/123', base)).toBe(false);
    expect(isSafeImage('', base)).toBe(false);
  });
});

describe('caretColour', () => {
  it('gives a person the same colour every time, from the palette, and spreads people over it', () => {
    expect(caretColour('erik')).toBe(caretColour('erik'));
    const colours = new Set(
      ['astrid', 'erik', 'sara', 'johan', 'maria', 'olof', 'lena', 'nils'].map(caretColour)
    );
    for (const colour of colours) expect(CARET_COLOURS).toContain(colour);
    expect(colours.size).toBeGreaterThan(3);
  });
});
