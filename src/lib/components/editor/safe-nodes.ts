/**
 * The document schema's nodes and marks whose attributes reach a style, a class or a table's
 * layout, made safe against a crafted document.
 *
 * A document arrives from other devices as a Yjs XmlFragment, and y-tiptap builds the editor's
 * nodes straight from its attributes: a modified client of any writer could set `align` to a
 * whole style sheet (`left; position: fixed; inset: 0 …`), a column width to CSS, a link's
 * class to one of the app's own (a full-screen overlay, a hidden link), or a column span so large
 * that laying out the table never ends. Pasted HTML goes through each attribute's parser and
 * stays within bounds; what comes from Yjs does not, so:
 * - a table cell's span, column widths and alignment are checked when the node is made
 *   (ProseMirror's attribute `validate`): a cell that fails is not shown, and y-tiptap removes it
 *   from the document, so a writer's editor clears it for everyone;
 * - a link renders its (checked) address, its title and fixed `rel`, nothing else;
 * - a code block's language becomes a class only when it is a plain language name.
 */
import { mergeAttributes } from '@tiptap/core';
import CodeBlock from '@tiptap/extension-code-block';
import Link from '@tiptap/extension-link';
import { Table, TableCell, TableHeader, TableRow } from '@tiptap/extension-table';

/** The most columns or rows one cell may span. */
export const MAX_CELL_SPAN = 100;
/** The widest a column may be set, in pixels. */
export const MAX_COLUMN_WIDTH = 10_000;
export const CELL_ALIGNS = ['left', 'center', 'right'] as const;
/** A language name as Markdown code fences and highlighters use them (`ts`, `c++`, `objective-c`). */
const LANGUAGE = /^[a-z0-9][a-z0-9+#.-]{0,31}$/i;
/** What links carry, whatever a document says. */
export const LINK_REL = 'noopener noreferrer nofollow';

function checkSpan(value: unknown): void {
  if (!(Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_CELL_SPAN)) {
    throw new RangeError(`a cell spans 1 to ${MAX_CELL_SPAN}, not ${String(value)}`);
  }
}

function isWidth(value: unknown): boolean {
  return Number.isInteger(value) && (value as number) > 0 && (value as number) <= MAX_COLUMN_WIDTH;
}

function checkWidths(value: unknown): void {
  if (value === null) return;
  if (
    !Array.isArray(value) ||
    value.length > MAX_CELL_SPAN ||
    !value.every((w) => w === null || isWidth(w))
  ) {
    throw new RangeError('column widths are whole pixels');
  }
}

function checkAlign(value: unknown): void {
  if (value !== null && !(CELL_ALIGNS as readonly unknown[]).includes(value)) {
    throw new RangeError(`a cell aligns ${CELL_ALIGNS.join(', ')} or not at all`);
  }
}

/** Column widths read from pasted HTML, kept only when they are whole pixels. */
function parsedWidths(parse: ((element: HTMLElement) => unknown) | undefined) {
  return (element: HTMLElement): number[] | null => {
    const widths = parse?.(element);
    return Array.isArray(widths) && widths.length > 0 && widths.every(isWidth) ? (widths as number[]) : null;
  };
}

type Attributes = Record<string, { parseHTML?: (element: HTMLElement) => unknown } & Record<string, unknown>>;

/** A cell's attributes, each checked as the cell is made (see above). */
function checkedCellAttributes(parent: Attributes): Attributes {
  return {
    ...parent,
    colspan: { ...parent.colspan, default: 1, validate: checkSpan },
    rowspan: { ...parent.rowspan, default: 1, validate: checkSpan },
    colwidth: {
      ...parent.colwidth,
      default: null,
      parseHTML: parsedWidths(parent.colwidth?.parseHTML),
      validate: checkWidths
    },
    align: { ...parent.align, default: null, validate: checkAlign }
  };
}

export const SafeTableCell = TableCell.extend({
  addAttributes() {
    return checkedCellAttributes((this.parent?.() ?? {}) as Attributes);
  }
});

export const SafeTableHeader = TableHeader.extend({
  addAttributes() {
    return checkedCellAttributes((this.parent?.() ?? {}) as Attributes);
  }
});

/** The table and its parts, as `TableKit` would give them, with the cells above; never resizable. */
export const safeTableExtensions = [
  Table.configure({ resizable: false }),
  TableRow,
  SafeTableHeader,
  SafeTableCell
];

export const SafeLink = Link.extend({
  renderHTML({ HTMLAttributes }) {
    const href = HTMLAttributes.href as unknown;
    const title = HTMLAttributes.title as unknown;
    return [
      'a',
      {
        href:
          typeof href === 'string' &&
          this.options.isAllowedUri(href, {
            defaultValidate: () => false,
            protocols: this.options.protocols,
            defaultProtocol: this.options.defaultProtocol
          })
            ? href
            : '',
        rel: LINK_REL,
        ...(typeof title === 'string' && title !== '' ? { title: title.slice(0, 500) } : {})
      },
      0
    ];
  }
});

export const SafeCodeBlock = CodeBlock.extend({
  renderHTML({ node, HTMLAttributes }) {
    const language = node.attrs.language as unknown;
    const named = typeof language === 'string' && LANGUAGE.test(language);
    return [
      'pre',
      mergeAttributes(this.options.HTMLAttributes, HTMLAttributes),
      ['code', { class: named ? `${this.options.languageClassPrefix ?? 'language-'}${language}` : null }, 0]
    ];
  }
});
