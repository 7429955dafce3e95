/**
 * A generated corpus for `npm run bench:search`: 20,000 mixed Swedish and English items at
 * realistic lengths (posts of 15–120 words, comments of 4–40, documents of 300–1,500, people with
 * titles, departments, locations and skills, groups), from a seeded generator so every run
 * indexes the same text. Words follow Zipf's law (frequency ∝ 1/rank) over a vocabulary of
 * 30,000: the most frequent ranks are the languages' stop words, then common intranet words in
 * both languages (Swedish ones in several inflections), then a long tail of generated words, as
 * in real text, where a few words are everywhere and most are rare.
 */
import type { StoredDoc } from '../src/lib/search/segments';

/** Mulberry32: small, fast, seeded. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SV = (
  'semester semestern semestrar riktlinje riktlinjer riktlinjerna lager lagret truck trucken truckar leverans ' +
  'leveransen leveranser kund kunden kunder kontor kontoret möte mötet möten fika fikat projekt projektet ' +
  'säkerhet säkerheten rutin rutiner rutinerna planering inventering sortiment order ordern faktura fakturan ' +
  'budget budgeten utbildning utbildningen certifikat skift skiftet rast rasten chef chefen medarbetare ' +
  'ansökan ledighet föräldraledighet sjukanmälan friskvård lön lönen avtal avtalet policy policyn ' +
  'arbetsmiljö brandövning städning parkering matsal kaffe kaffemaskin nyhet nyheter välkommen tack ' +
  'vecka veckan månad månaden år året idag imorgon fredag måndag sommar vinter jul påsk ' +
  'och att det som en på är för med till av den har inte jag vi ska kan om så men'
).split(' ');

const EN = (
  'holiday holidays guideline guidelines warehouse delivery deliveries customer customers office meeting ' +
  'meetings project projects safety routine routines schedule order orders invoice budget training ' +
  'certificate certification shift break manager colleague application leave sick wellness salary ' +
  'agreement policy policies workplace drill cleaning parking canteen coffee machine news welcome thanks ' +
  'week month year today tomorrow friday monday summer winter update team release customer support ' +
  'the and to of a in is for on with that it be as are this we you will our please'
).split(' ');

const FIRST =
  'Anna Erik Sara Johan Astrid Lars Karin Per Maria Anders Eva Nils Sofia Olof Linnea Oskar Maja Hugo Ella Axel'.split(
    ' '
  );
const LAST =
  'Berg Lund Nilsson Johansson Andersson Karlsson Eriksson Larsson Olsson Persson Svensson Gustafsson Lindqvist Åberg Öberg'.split(
    ' '
  );
const TITLES =
  'Truckförare;Lagerchef;Ekonom;HR-partner;IT-tekniker;Säljare;Kundtjänst;Developer;Project manager;Buyer'.split(
    ';'
  );
const DEPTS = 'Lager;Ekonomi;HR;IT;Försäljning;Kundtjänst;Inköp'.split(';');
const PLACES = 'Göteborg;Malmö;Stockholm;Umeå;Jönköping'.split(';');
const SKILLS =
  'forklift certification;truckkort;first aid;Excel;SAP;svetsning;heta arbeten;English;tyska;projektledning;lean;budgetering'.split(
    ';'
  );

export interface Corpus {
  items: StoredDoc[];
  /** Content words (not stop words), most frequent first, to build queries from. */
  vocabulary: string[];
  /** Draws a content word by its frequency in the corpus (common words more often). */
  drawWord: (rnd: () => number) => string;
}

const STOP = (
  'och att det som en på är för med till av den har inte jag vi ska kan om så men de ett i var du ' +
  'the and to of a in is for on with that it be as are this we you will our at by from have not'
).split(' ');

const SYLLABLES =
  'ka ro ti lun ber gan sto mal vik ern as fal ing tor sel dal hem by rup ven kra pli mo sun'.split(' ');

/** A Zipf sampler over `size` ranks: rank r (0-based) with probability ∝ 1 / (r + 1). */
function zipf(size: number): (u: number) => number {
  const cdf = new Float64Array(size);
  let sum = 0;
  for (let r = 0; r < size; r++) cdf[r] = sum += 1 / (r + 1);
  return (u) => {
    const x = u * sum;
    let lo = 0;
    let hi = size - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

export function generateCorpus(count: number, seed = 42): Corpus {
  const rnd = random(seed);
  const pick = <T>(list: readonly T[]) => list[Math.floor(rnd() * list.length)]!;
  const content = [...new Set([...SV, ...EN].filter((w) => !STOP.includes(w)))];
  const generated = new Set<string>();
  while (content.length + generated.size + STOP.length < 30_000) {
    const parts = 2 + Math.floor(rnd() * 3);
    let w = '';
    for (let i = 0; i < parts; i++) w += pick(SYLLABLES);
    if (!content.includes(w)) generated.add(w);
  }
  const vocabulary = [...content, ...generated];
  const all = [...STOP, ...vocabulary];
  const rank = zipf(all.length);
  const word = () => all[rank(rnd())]!;
  const contentRank = zipf(vocabulary.length);
  const text = (words: number) => {
    const out: string[] = [];
    for (let i = 0; i < words; i++) {
      out.push(word());
      if (i % 12 === 11) out[out.length - 1] += '.';
    }
    const t = out.join(' ');
    return `${t[0]!.toUpperCase()}${t.slice(1)}.`;
  };
  const between = (a: number, b: number) => a + Math.floor(rnd() * (b - a + 1));
  const day = 86_400_000;
  const now = Date.UTC(2026, 10, 27);
  const items: StoredDoc[] = [];
  for (let n = 0; n < count; n++) {
    const r = rnd();
    const at = now - Math.floor(rnd() * 730) * day;
    const spaceId = `space-${between(1, 12)}`;
    let item: StoredDoc;
    if (r < 0.6) {
      const body = text(between(15, 120));
      item = {
        id: `post:${n}`,
        type: 'post',
        title: body.slice(0, 60),
        text: body,
        fields: { author: `${pick(FIRST)} ${pick(LAST)}` },
        spaceId,
        at,
        href: `/posts/${n}`,
        v: '1'
      };
    } else if (r < 0.85) {
      const body = text(between(4, 40));
      item = {
        id: `comment:${n}`,
        type: 'comment',
        title: body.slice(0, 60),
        text: body,
        fields: { author: `${pick(FIRST)} ${pick(LAST)}` },
        spaceId,
        at,
        href: `/posts/${n}`,
        v: '1'
      };
    } else if (r < 0.875) {
      item = {
        id: `doc:${n}`,
        type: 'doc',
        title: text(between(2, 6)).slice(0, -1),
        text: text(between(300, 1500)),
        fields: { folder: pick(DEPTS) },
        spaceId,
        at,
        href: `/docs/${n}`,
        v: '1'
      };
    } else if (r < 0.99) {
      const skills = Array.from({ length: between(0, 3) }, () => pick(SKILLS));
      item = {
        id: `person:${n}`,
        type: 'person',
        title: `${pick(FIRST)} ${pick(LAST)}`,
        text: '',
        fields: { title: pick(TITLES), department: pick(DEPTS), location: pick(PLACES) },
        tags: skills,
        spaceId: '',
        at: 0,
        href: `/people?person=${n}`,
        v: '1'
      };
    } else {
      item = {
        id: `group:${n}`,
        type: 'group',
        title: `${pick(DEPTS)} ${pick(PLACES)}`,
        text: '',
        fields: { kind: 'team' },
        spaceId: '',
        at: 0,
        href: '/people',
        v: '1'
      };
    }
    items.push(item);
  }
  return { items, vocabulary, drawWord: (r) => vocabulary[contentRank(r())]! };
}
