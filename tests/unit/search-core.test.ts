import { describe, expect, it } from 'vitest';
import { fold } from '../../src/lib/search/language';
import { SegmentedIndex, type StoredDoc } from '../../src/lib/search/segments';
import { parts } from '../../src/lib/search/snippet';

const DAY = 86_400_000;

function item(
  id: string,
  type: string,
  title: string,
  text: string,
  extra: Partial<StoredDoc> = {}
): StoredDoc {
  return { id, type, title, text, fields: {}, spaceId: 'sp-all', at: 0, href: `/x/${id}`, v: '1', ...extra };
}

/** A fixed Swedish and English corpus. */
const corpus: StoredDoc[] = [
  item(
    'doc:semester',
    'doc',
    'Riktlinje för semester',
    'Semesterperioden planeras med närmaste chef. Ansök senast i april.',
    { at: 10 * DAY }
  ),
  item('post:hemarbete', 'post', 'Hemarbete', 'Nya riktlinjer för hemarbete gäller från måndag.', {
    at: 20 * DAY,
    spaceId: 'sp-news'
  }),
  item(
    'post:travel',
    'post',
    'Travel',
    'Our travel policy has been updated: book trains for trips under 500 km.',
    { at: 30 * DAY }
  ),
  item('post:mal', 'post', 'Årets mål', 'Vi når årets mål för kvalitet tillsammans.', { at: 40 * DAY }),
  item('post:mott', 'post', 'Tröjan', 'En mal åt upp tröjan i garderoben.', { at: 41 * DAY }),
  item('post:cafe', 'post', 'Fredagsfika', 'Vi firar på Café Müller efter jobbet.', { at: 42 * DAY }),
  item('person:anna', 'person', 'Anna Berg', '', {
    fields: { title: 'Truckförare', department: 'Lager', location: 'Göteborg' },
    tags: ['forklift certification', 'truckkort'],
    spaceId: ''
  }),
  item('person:erik', 'person', 'Erik Lund', '', {
    fields: { title: 'Ekonom', department: 'Ekonomi' },
    spaceId: ''
  }),
  item(
    'doc:forklift',
    'doc',
    'Forklift safety',
    'Everyone driving needs a forklift certification before starting. The certification is renewed every five years and the forklift is inspected weekly.',
    { at: 5 * DAY }
  ),
  item(
    'post:lager',
    'post',
    'Lagret',
    'Inventering i lagret på fredag. Ta med varma kläder, kaffe finns. Den som har forklift certification kan hjälpa till med höga hyllor.',
    { at: 6 * DAY }
  )
];

const ids = (index: SegmentedIndex, query: string, filters = {}) =>
  index.search({ query, filters, limit: 50 }).hits.map((h) => h.doc.id);

function fresh(): SegmentedIndex {
  const index = SegmentedIndex.load([], []);
  index.apply(corpus, []);
  return index;
}

describe('search: languages', () => {
  const index = fresh();

  it('stems Swedish: riktlinjer finds riktlinje, semestern finds semester', () => {
    expect(ids(index, 'riktlinjer')).toEqual(expect.arrayContaining(['doc:semester', 'post:hemarbete']));
    expect(ids(index, 'semestern')).toContain('doc:semester');
    expect(ids(index, 'semestern')).not.toContain('post:travel');
  });

  it('meets definite forms the Snowball stemmer leaves alone: fikan, mötet, projektet', () => {
    const i = SegmentedIndex.load([], []);
    i.apply(
      [
        item('post:fika', 'post', 'Fika', 'Välkommen på fika i matsalen.'),
        item('post:mote', 'post', 'Möte', 'Nästa möte gäller projekt Ugglan.')
      ],
      []
    );
    expect(ids(i, 'fikan')).toEqual(['post:fika']);
    expect(ids(i, 'mötet')).toEqual(['post:mote']);
    expect(ids(i, 'projektet')).toEqual(['post:mote']);
  });

  it('stems English: policies finds policy', () => {
    expect(ids(index, 'policies')).toEqual(['post:travel']);
  });

  it('matches prefixes while typing, together with stemming', () => {
    expect(ids(index, 'rikt')).toEqual(expect.arrayContaining(['doc:semester', 'post:hemarbete']));
    expect(ids(index, 'semesterp')).toEqual(['doc:semester']);
    // A whole word ranks its stemmed matches first.
    expect(ids(index, 'hemarbete riktl')[0]).toBe('post:hemarbete');
  });

  it('keeps å, ä and ö as letters of their own', () => {
    expect(fold('Åsa Öberg Älv')).toBe('åsa öberg älv');
    expect(ids(index, 'mål')).toEqual(['post:mal']);
    expect(ids(index, 'mal')).toEqual(['post:mott']);
    expect(ids(index, 'tröjan')).toEqual(['post:mott']);
    expect(ids(index, 'trojan')).toEqual([]);
  });

  it('folds other accents: é and ü match their plain letters, both ways', () => {
    expect(fold('Café Müller')).toBe('cafe muller');
    expect(ids(index, 'cafe')).toEqual(['post:cafe']);
    expect(ids(index, 'café')).toEqual(['post:cafe']);
    expect(ids(index, 'muller')).toEqual(['post:cafe']);
    expect(ids(index, 'MÜLLER')).toEqual(['post:cafe']);
  });
});

describe('search: ranking and snippets', () => {
  const index = fresh();

  it('ranks people with a skill first when asked who knows it', () => {
    const found = ids(index, 'who knows forklift certification');
    expect(found[0]).toBe('person:anna');
    expect(found).toEqual(expect.arrayContaining(['doc:forklift', 'post:lager']));
    expect(found).not.toContain('person:erik');
    // A person's snippet is their labels and skills, the skill highlighted.
    const anna = index.search({ query: 'forklift certification' }).hits[0]!;
    expect(anna.snippet.text).toBe('Truckförare · Lager · Göteborg · forklift certification · truckkort');
    expect(
      parts(anna.snippet)
        .filter((p) => p.mark)
        .map((p) => p.text)
    ).toEqual(['forklift', 'certification']);
  });

  it('boosts titles above text', () => {
    expect(ids(index, 'semester')[0]).toBe('doc:semester');
  });

  it('finds people by title, department and location', () => {
    expect(ids(index, 'göteborg')).toEqual(['person:anna']);
    expect(ids(index, 'ekonom')).toContain('person:erik');
  });

  it('gives snippets with the matching words highlighted, inflections included', () => {
    const hit = index.search({ query: 'riktlinje' }).hits.find((h) => h.doc.id === 'post:hemarbete')!;
    const marked = parts(hit.snippet)
      .filter((p) => p.mark)
      .map((p) => p.text);
    expect(marked).toEqual(['riktlinjer']);
    const title = index.search({ query: 'riktlinjer' }).hits.find((h) => h.doc.id === 'doc:semester')!.title;
    expect(
      parts(title)
        .filter((p) => p.mark)
        .map((p) => p.text)
    ).toEqual(['Riktlinje']);
  });

  it('cuts long texts around the first match', () => {
    const long = item(
      'post:long',
      'post',
      'Lång',
      `${'Inledning om ingenting särskilt. '.repeat(20)}Här står ordet gaffeltruck mitt i.${' Mer text efteråt.'.repeat(20)}`
    );
    const i = SegmentedIndex.load([], []);
    i.apply([long], []);
    const s = i.search({ query: 'gaffeltruck' }).hits[0]!.snippet;
    expect(s.text.length).toBeLessThan(200);
    expect(s.text.startsWith('… ')).toBe(true);
    expect(s.text.endsWith(' …')).toBe(true);
    expect(
      parts(s)
        .filter((p) => p.mark)
        .map((p) => p.text)
    ).toEqual(['gaffeltruck']);
  });
});

describe('search: bad input and empty queries', () => {
  const index = fresh();

  it.each([
    ':',
    '~',
    '^',
    '"semester',
    'semester"',
    'title:',
    'nofield:semester',
    'semester~x',
    '+',
    '-',
    'rikt^^'
  ])('never throws on %j and falls back to plain words', (query) => {
    expect(() => index.search({ query })).not.toThrow();
  });

  it('searches the plain words of a query Lunr cannot parse', () => {
    const answer = index.search({ query: 'nofield:semester' });
    expect(answer.fellBack).toBe(true);
    expect(answer.hits.map((h) => h.doc.id)).toContain('doc:semester');
    expect(ids(index, '"semestern')).toContain('doc:semester');
  });

  it('reads Lunr syntax when it is valid', () => {
    expect(ids(index, 'title:semester')).toEqual(['doc:semester']);
    expect(ids(index, '+forklift -certification')).toEqual([]);
    expect(ids(index, '+forklift +inspected')).toEqual(['doc:forklift']);
  });

  it('lists recent items for an empty query, with filters', () => {
    expect(ids(index, '').slice(0, 3)).toEqual(['post:cafe', 'post:mott', 'post:mal']);
    expect(ids(index, '  ', { types: ['doc'] })).toEqual(['doc:semester', 'doc:forklift']);
  });

  it('filters by type, space and date range', () => {
    expect(ids(index, 'riktlinjer', { types: ['post'] })).toEqual(['post:hemarbete']);
    expect(ids(index, 'riktlinjer', { spaceIds: ['sp-news'] })).toEqual(['post:hemarbete']);
    expect(ids(index, 'riktlinjer', { from: 15 * DAY, to: 25 * DAY })).toEqual(['post:hemarbete']);
    expect(ids(index, 'riktlinjer', { to: 15 * DAY })).toEqual(['doc:semester']);
  });
});

describe('search: adding, changing and deleting', () => {
  it('finds a new item at once, forgets a changed item’s old words and a deleted item at once', () => {
    const index = fresh();
    index.apply([item('post:new', 'post', 'Nyhet', 'Den nya kaffemaskinen är på plats.')], []);
    expect(ids(index, 'kaffemaskin')).toEqual(['post:new']);

    index.apply(
      [item('post:new', 'post', 'Nyhet', 'Kantinen serverar pannkakor på torsdag.', { v: '2' })],
      []
    );
    expect(ids(index, 'kaffemaskin')).toEqual([]);
    expect(ids(index, 'pannkaka')).toEqual(['post:new']);
    expect(index.get('post:new')?.v).toBe('2');

    index.apply([], ['post:new', 'post:travel']);
    expect(ids(index, 'pannkakor')).toEqual([]);
    expect(ids(index, 'policy')).toEqual([]);
    expect(ids(index, '')).not.toContain('post:new');
    expect(index.size).toBe(corpus.length - 1);
  });

  it('keeps answers the same through merges and a reload of the persisted segments', () => {
    const index = SegmentedIndex.load([], []);
    const persisted = new Map<number, object>();
    let deleted: string[] = [];
    const save = (r: { segment: { id: number } | null; deleted: string[]; replaced?: number[] }) => {
      for (const id of r.replaced ?? []) persisted.delete(id);
      if (r.segment) persisted.set(r.segment.id, structuredClone(r.segment));
      deleted = r.deleted;
    };
    save(index.apply(corpus, []));
    for (let n = 0; n < 10; n++)
      save(index.apply([item(`post:n${n}`, 'post', `Nummer ${n}`, `Kaffemaskin ${n}`)], []));
    save(index.apply([], ['post:n3', 'doc:semester']));
    expect(index.mergeWanted()).toBe('small');
    save(index.merge('small'));
    expect(index.segmentCount).toBe(2);
    expect(ids(index, 'kaffemaskin')).toHaveLength(9);

    const reloaded = SegmentedIndex.load([...persisted.values()] as never, deleted);
    expect(ids(reloaded, 'kaffemaskin')).toHaveLength(9);
    expect(ids(reloaded, 'semester')).toEqual([]);
    expect(reloaded.versions()).toEqual(index.versions());

    save(reloaded.merge('all'));
    expect(deleted).toEqual([]);
    expect(reloaded.segmentCount).toBe(1);
    expect(ids(reloaded, 'semester')).toEqual([]);
    expect(ids(reloaded, 'riktlinjer')).toEqual(['post:hemarbete']);
    expect(reloaded.size).toBe(corpus.length + 10 - 2);
  });

  it('asks for a full merge once small segments outgrow the base', () => {
    const index = fresh();
    const many = Array.from({ length: 600 }, (_, n) => item(`post:m${n}`, 'post', `M ${n}`, 'text'));
    index.apply(many, []);
    expect(index.mergeWanted()).toBe('all');
  });
});
