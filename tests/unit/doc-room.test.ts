import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DOC_STATUSES, body, meta, normaliseFolder, readMeta, setMeta } from '../../src/lib/model/doc-room';

function sync(a: Y.Doc, b: Y.Doc): void {
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)));
  Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)));
}

describe('doc room meta', () => {
  it('reads defaults from an empty room', () => {
    expect(readMeta(new Y.Doc())).toEqual({
      title: '',
      folder: '',
      status: 'draft',
      reviewDate: null,
      requiresConfirmation: false,
      updatedAt: 0,
      updatedBy: ''
    });
    expect(DOC_STATUSES).toEqual(['draft', 'published']);
  });

  it('writes a patch with who changed it and when', () => {
    const doc = new Y.Doc();
    setMeta(doc, { title: 'Vacation policy', folder: ' HR // Leave ', reviewDate: '2027-01-31' }, 'u1', 5);
    expect(readMeta(doc)).toEqual({
      title: 'Vacation policy',
      folder: 'HR/Leave',
      status: 'draft',
      reviewDate: '2027-01-31',
      requiresConfirmation: false,
      updatedAt: 5,
      updatedBy: 'u1'
    });
    setMeta(doc, { status: 'published', requiresConfirmation: true, reviewDate: null }, 'u2', 9);
    expect(readMeta(doc)).toMatchObject({
      title: 'Vacation policy',
      status: 'published',
      requiresConfirmation: true,
      reviewDate: null,
      updatedAt: 9,
      updatedBy: 'u2'
    });
  });

  it('ignores malformed values written by a careless client', () => {
    const doc = new Y.Doc();
    const m = meta(doc);
    m.set('title', 42);
    m.set('status', 'secret');
    m.set('reviewDate', '2027-13-01');
    m.set('requiresConfirmation', 'yes');
    m.set('updatedAt', 'now');
    expect(readMeta(doc)).toMatchObject({
      title: '',
      status: 'draft',
      reviewDate: null,
      requiresConfirmation: false,
      updatedAt: 0
    });
  });

  it('keeps concurrent changes to different fields', () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    setMeta(a, { title: 'Forklift safety', status: 'draft' }, 'u1', 1);
    sync(a, b);
    setMeta(a, { title: 'Forklift safety', status: 'published' }, 'u1', 2);
    setMeta(b, { title: 'Forklift safety routines' }, 'u2', 3);
    sync(a, b);
    expect(readMeta(a).title).toBe('Forklift safety routines');
    expect(readMeta(a).status).toBe('published');
    expect(readMeta(a)).toEqual(readMeta(b));
  });

  it('keeps the body as an XML fragment next to meta', () => {
    const doc = new Y.Doc();
    const p = new Y.XmlElement('paragraph');
    p.insert(0, [new Y.XmlText('Hello')]);
    body(doc).insert(0, [p]);
    expect(body(doc).toString()).toBe('<paragraph>Hello</paragraph>');
    expect(normaliseFolder('/a/ b /')).toBe('a/b');
  });
});
