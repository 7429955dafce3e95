/**
 * The demo's guidelines: real, useful documents in the library, each written into its room as
 * the editor stores rich text (Tiptap's Collaboration extension over y-prosemirror): block
 * nodes as Y.XmlElement named after the ProseMirror node (paragraph, heading with attribute
 * level, bulletList and orderedList of listItem holding paragraphs, blockquote), text as
 * Y.XmlText whose formatting attributes are the marks (bold, italic).
 *
 * In "All staff": a published vacation policy (Astrid), forklift safety routines still in draft
 * (Erik, with Sara as co-author), and published IT security rules whose review date has passed
 * (Erik), so the library shows an overdue review. The two documents seedDemo creates elsewhere
 * get a title and a short body too, so nothing in the library is untitled.
 */
import * as Y from 'yjs';
import { body, setMeta, type DocMeta } from '../../src/lib/model/doc-room';
import { publishVersion, recordConfirmation } from '../../src/lib/model/doc-versions';
import { docRoom } from '../../src/lib/model/rooms';

type Inline = string | { text: string; bold?: true; italic?: true };
export type Block =
  | { h: 1 | 2 | 3; text: string }
  | { p: Inline[] }
  | { ul: Inline[][] }
  | { ol: Inline[][] }
  | { quote: Inline[] };

export interface DemoDoc {
  id: string;
  spaceId: string;
  ownerId: string;
  editorIds: string[];
  meta: Omit<DocMeta, 'updatedAt' | 'updatedBy' | 'reviewDate'> & {
    /** Days from today of the review date (negative: in the past), or null for none. */
    reviewInDays: number | null;
  };
  /** Days ago of the last change. */
  changedDaysAgo: number;
  blocks: Block[];
  /**
   * Named versions, oldest first, published by the owner `daysAgo`; a version with `endsBefore`
   * had the body only up to the heading with that text (the last version has the whole body).
   */
  versions?: Array<{
    name: string;
    note: string;
    daysAgo: number;
    requiresConfirmation: boolean;
    endsBefore?: string;
  }>;
  /** Read confirmations the server recorded: who, of which version (index), how long ago. */
  confirmations?: Array<{ userId: string; version: number; daysAgo: number }>;
}

export const DEMO_DOCS: DemoDoc[] = [
  {
    id: 'vacation-policy',
    spaceId: 'all-staff',
    ownerId: 'astrid',
    editorIds: [],
    meta: {
      title: 'Semesterpolicy / Vacation policy',
      folder: 'HR/Ledighet',
      status: 'published',
      requiresConfirmation: true,
      reviewInDays: 200
    },
    changedDaysAgo: 12,
    // Two editions; everyone is asked to confirm the second, and some have.
    versions: [
      {
        name: '2025',
        note: 'Första utgåvan.',
        daysAgo: 300,
        requiresConfirmation: false,
        endsBefore: 'Spara dagar'
      },
      {
        name: '2026',
        note: 'Nytt avsnitt om sparade dagar. / New section on saved days.',
        daysAgo: 12,
        requiresConfirmation: true
      }
    ],
    confirmations: [
      { userId: 'sara', version: 1, daysAgo: 10 },
      { userId: 'nils', version: 1, daysAgo: 9 },
      { userId: 'erik', version: 1, daysAgo: 11 },
      // Confirmed the first edition only: asked again.
      { userId: 'maria', version: 0, daysAgo: 200 }
    ],
    blocks: [
      { h: 1, text: 'Semesterpolicy' },
      {
        p: [
          'Alla anställda har rätt till ',
          { text: '25 semesterdagar', bold: true },
          ' per semesterår enligt semesterlagen. Semesteråret följer kalenderåret.'
        ]
      },
      { h: 2, text: 'Sommarsemester' },
      {
        ul: [
          ['Du har rätt till fyra sammanhängande veckor under juni–augusti.'],
          ['Ansök i Fika senast ', { text: '31 mars', bold: true }, '; besked ges senast 15 april.'],
          ['På lagret läggs semestern i tre perioder så att bemanningen räcker hela sommaren.']
        ]
      },
      { h: 2, text: 'Spara dagar' },
      {
        p: [
          'Dagar utöver 20 får sparas i upp till fem år. Sparade dagar tas ut efter överenskommelse med din chef.'
        ]
      },
      { h: 2, text: 'Så ansöker du' },
      {
        ol: [
          ['Prata med din chef om önskade veckor.'],
          ['Lägg in ansökan i lönesystemet.'],
          ['Vänta på godkännande innan du bokar resor.']
        ]
      },
      {
        quote: [
          { text: 'In English: ', italic: true },
          'everyone has 25 days of paid vacation a year, four consecutive weeks in summer. Apply by 31 March.'
        ]
      }
    ]
  },
  {
    id: 'forklift-safety',
    spaceId: 'all-staff',
    ownerId: 'erik',
    editorIds: ['sara'],
    meta: {
      title: 'Trucksäkerhet – rutiner',
      folder: 'Lager/Säkerhet',
      status: 'draft',
      requiresConfirmation: false,
      reviewInDays: null
    },
    changedDaysAgo: 2,
    blocks: [
      { h: 1, text: 'Säkra rutiner för truckkörning' },
      {
        p: [
          'Gäller alla som kör motordriven truck på våra lager i Göteborg och Malmö. ',
          {
            text: 'Bara den som har truckkort och skriftligt tillstånd från lagerchefen får köra.',
            bold: true
          }
        ]
      },
      { h: 2, text: 'Före varje pass' },
      {
        ul: [
          ['Gör daglig kontroll: bromsar, styrning, tutan, lyftkedjor, gafflar och batteri.'],
          ['Skriv in kontrollen i loggboken vid laddstationen.'],
          [
            'En truck med fel ställs av och märks med skylten ',
            { text: 'Får ej användas', italic: true },
            '.'
          ]
        ]
      },
      { h: 2, text: 'Under körning' },
      {
        ul: [
          ['Högst 10 km/h inomhus, gångfart vid portar och i korsningar.'],
          ['Bältet på, alltid.'],
          ['Kör med lasten bakåt i nedförsbacke och när sikten skyms.'],
          ['Ingen får gå eller stå under en upplyft last.']
        ]
      },
      { h: 2, text: 'Vid tillbud eller olycka' },
      {
        ol: [
          ['Stanna, säkra platsen och hjälp den som är skadad.'],
          ['Ring 112 vid personskada.'],
          ['Rapportera till lagerchefen samma dag, även om ingen skadades.']
        ]
      }
    ]
  },
  {
    id: 'it-security',
    spaceId: 'all-staff',
    ownerId: 'erik',
    editorIds: [],
    meta: {
      title: 'IT security rules',
      folder: 'IT',
      status: 'published',
      requiresConfirmation: true,
      reviewInDays: -21
    },
    changedDaysAgo: 380,
    blocks: [
      { h: 1, text: 'IT security rules' },
      {
        p: [
          'These rules protect our customers’ data and our own. They apply to everyone who uses a Norrsken Logistik account, device or network.'
        ]
      },
      { h: 2, text: 'Passwords and sign-in' },
      {
        ul: [
          [
            'Use a passphrase of at least ',
            { text: 'four random words', bold: true },
            ', different for every service.'
          ],
          ['Keep passwords in the company password manager, never on paper or in a spreadsheet.'],
          ['Turn on two-step verification wherever it is offered.']
        ]
      },
      { h: 2, text: 'Email and links' },
      {
        ul: [
          ['Nobody from IT will ever ask for your password.'],
          [
            'Check the sender before opening attachments; if in doubt, ask in ',
            { text: 'IT help', italic: true },
            '.'
          ],
          ['Report suspicious email with the “Report phishing” button.']
        ]
      },
      { h: 2, text: 'Devices' },
      {
        ol: [
          ['Lock your screen when you leave it (Windows key + L).'],
          ['Install updates the day they are offered.'],
          ['Report a lost phone or laptop to IT at once, day or night: +46 10 123 45 67.']
        ]
      }
    ]
  }
];

/** Titles and short bodies for the two documents seedDemo creates for the access tests. */
export const OTHER_DEMO_DOCS: Pick<DemoDoc, 'id' | 'meta' | 'changedDaysAgo' | 'blocks'>[] = [
  {
    id: 'travel-policy',
    meta: {
      title: 'Resepolicy',
      folder: 'HR',
      status: 'published',
      requiresConfirmation: false,
      reviewInDays: 90
    },
    changedDaysAgo: 40,
    blocks: [
      { h: 1, text: 'Resepolicy' },
      { p: ['Välj tåg för resor under 50 mil. Boka via resebyrån så att resan syns i vår reseöversikt.'] }
    ]
  },
  {
    id: 'packing-guideline',
    meta: {
      title: 'Packing guideline',
      folder: '',
      status: 'draft',
      requiresConfirmation: false,
      reviewInDays: null
    },
    changedDaysAgo: 5,
    blocks: [
      { h: 1, text: 'Packing in the new warehouse' },
      { p: ['Heavy goods at the bottom, fragile goods marked on two sides.'] }
    ]
  }
];

function xmlText(inlines: Inline[]): Y.XmlText {
  const text = new Y.XmlText();
  let at = 0;
  for (const inline of inlines) {
    const part = typeof inline === 'string' ? { text: inline } : inline;
    const marks: Record<string, object> = {};
    if (part.bold) marks.bold = {};
    if (part.italic) marks.italic = {};
    text.insert(at, part.text, marks);
    at += part.text.length;
  }
  return text;
}

function element(name: string, children: (Y.XmlElement | Y.XmlText)[]): Y.XmlElement {
  const el = new Y.XmlElement(name);
  el.insert(0, children);
  return el;
}

const paragraph = (inlines: Inline[]) => element('paragraph', [xmlText(inlines)]);

function list(name: 'bulletList' | 'orderedList', items: Inline[][]): Y.XmlElement {
  return element(
    name,
    items.map((item) => element('listItem', [paragraph(item)]))
  );
}

function blockNode(block: Block): Y.XmlElement {
  if ('h' in block) {
    // A number, as ProseMirror's heading node has it (a string would not match `level: 2`).
    const heading = element('heading', [xmlText([block.text])]) as Y.XmlElement<{ level: number }>;
    heading.setAttribute('level', block.h);
    return heading as Y.XmlElement;
  }
  if ('p' in block) return paragraph(block.p);
  if ('ul' in block) return list('bulletList', block.ul);
  if ('ol' in block) return list('orderedList', block.ol);
  return element('blockquote', [paragraph(block.quote)]);
}

/** Writes `blocks` as the document's body (appended after what it holds). */
export function writeBody(doc: Y.Doc, blocks: Block[]): void {
  const fragment = body(doc);
  fragment.insert(fragment.length, blocks.map(blockNode));
}

const DAY_MS = 24 * 3600 * 1000;

/** 'yyyy-mm-dd' (UTC) `days` from `now`. */
function dayFrom(now: number, days: number): string {
  return new Date(now + days * DAY_MS).toISOString().slice(0, 10);
}

/**
 * The rooms of the demo's documents, written as their owners would have: room name → the
 * document, and the person each room's content is written by (for the client-id claims).
 */
export function demoDocRooms(now: number): { room: string; author: string; write: (doc: Y.Doc) => void }[] {
  const owners = new Map<string, string>([
    ['travel-policy', 'astrid'],
    ['packing-guideline', 'sara']
  ]);
  return [...DEMO_DOCS, ...OTHER_DEMO_DOCS].map((spec) => {
    const author = 'ownerId' in spec ? (spec as DemoDoc).ownerId : owners.get(spec.id)!;
    const { reviewInDays, ...meta } = spec.meta;
    return {
      room: docRoom(spec.id),
      author,
      write: (doc: Y.Doc) => {
        setMeta(
          doc,
          { ...meta, reviewDate: reviewInDays === null ? null : dayFrom(now, reviewInDays) },
          author,
          now - spec.changedDaysAgo * DAY_MS
        );
        writeBody(doc, spec.blocks);
        if ('versions' in spec) writeVersions(doc, spec as DemoDoc, author, now);
      }
    };
  });
}

/** Publishes the document's demo versions (rewriting the body as it was for each) and confirmations. */
function writeVersions(doc: Y.Doc, spec: DemoDoc, author: string, now: number): void {
  const published = (spec.versions ?? []).map((v) => {
    const end =
      v.endsBefore === undefined ? -1 : spec.blocks.findIndex((b) => 'h' in b && b.text === v.endsBefore);
    const fragment = body(doc);
    doc.transact(() => {
      fragment.delete(0, fragment.length);
      writeBody(doc, end < 0 ? spec.blocks : spec.blocks.slice(0, end));
    });
    return publishVersion(
      doc,
      { name: v.name, note: v.note, requiresConfirmation: v.requiresConfirmation },
      author,
      now - v.daysAgo * DAY_MS
    );
  });
  if (published.length > 0 && body(doc).length !== spec.blocks.length) {
    doc.transact(() => {
      body(doc).delete(0, body(doc).length);
      writeBody(doc, spec.blocks);
    });
  }
  for (const c of spec.confirmations ?? []) {
    const version = published[c.version];
    if (version) recordConfirmation(doc, c.userId, version.id, now - c.daysAgo * DAY_MS);
  }
}
