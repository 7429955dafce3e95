/**
 * The Tiptap editor of a document, bound to its room: imported with `import()` by DocEditor
 * only when a document is opened, so that Tiptap and ProseMirror are never in the first page's
 * scripts.
 *
 * The text lives in the room's `body` XmlFragment (Collaboration with `field: 'body'`); undo
 * and redo are Yjs's (the extension's own), which undo only this person's changes. Other
 * people's carets come from the provider's awareness.
 *
 * What a document may hold is the schema below and nothing else: pasted HTML (from Word or a
 * web page) is parsed into it, so headings, lists, tables and marks survive while scripts,
 * styles, event handlers and unknown elements are dropped; links keep only http(s) and mailto
 * addresses, images only http(s) ones (see urls.ts), also when a crafted document arrives from
 * another device. Attributes that reach a style, a class or a table's layout are checked too
 * (safe-nodes.ts).
 */
import { Editor, Node, mergeAttributes } from '@tiptap/core';
import StarterKit from '@tiptap/starter-kit';
import Collaboration from '@tiptap/extension-collaboration';
import CollaborationCaret from '@tiptap/extension-collaboration-caret';
import { TaskItem, TaskList } from '@tiptap/extension-list';
import Image from '@tiptap/extension-image';
import { Placeholder } from '@tiptap/extensions';
import type * as Y from 'yjs';
import type { Awareness } from 'y-protocols/awareness';
import { isSafeImage, isSafeLink } from './urls';
import { LINK_REL, SafeCodeBlock, SafeLink, safeTableExtensions } from './safe-nodes';

export type CalloutTone = 'info' | 'warning';
export const CALLOUT_TONES: readonly CalloutTone[] = ['info', 'warning'];

/**
 * A highlighted box of blocks (a note or a warning). Plain markup with a tone: nothing in it
 * runs or loads anything.
 */
const Callout = Node.create({
  name: 'callout',
  group: 'block',
  content: 'block+',
  defining: true,
  addAttributes() {
    return {
      tone: {
        default: 'info',
        parseHTML: (el: HTMLElement) => (el.getAttribute('data-tone') === 'warning' ? 'warning' : 'info'),
        renderHTML: (attrs: { tone?: unknown }) => ({
          'data-tone': attrs.tone === 'warning' ? 'warning' : 'info'
        })
      }
    };
  },
  parseHTML() {
    return [{ tag: 'aside[data-callout]' }];
  },
  renderHTML({ HTMLAttributes }) {
    return ['aside', mergeAttributes(HTMLAttributes, { 'data-callout': '', class: 'callout' }), 0];
  }
});

/** Images only from http(s) addresses (this server's uploads included); never `data:` or script. */
const SafeImage = Image.extend({
  parseHTML() {
    return [
      {
        tag: 'img[src]',
        getAttrs: (el: HTMLElement) => (isSafeImage(el.getAttribute('src'), location.href) ? null : false)
      }
    ];
  },
  renderHTML({ HTMLAttributes }) {
    const src = HTMLAttributes.src as unknown;
    const safe = typeof src === 'string' && isSafeImage(src, location.href) ? src : '';
    return ['img', mergeAttributes(HTMLAttributes, { src: safe, loading: 'lazy' })];
  }
}).configure({ allowBase64: false, inline: false });

/**
 * Another person's caret with their name. The name is shown through CSS (`attr(data-name)`) and
 * the caret is hidden from assistive technology, so that it is not part of the document's text
 * (for copying, screen readers and tests alike). Name and colour come from other devices: the
 * name is only ever text, the colour only a `#rrggbb` value.
 */
function renderCaret(user: Record<string, unknown>): HTMLElement {
  const colour =
    typeof user.color === 'string' && /^#[0-9a-f]{6}$/i.test(user.color) ? user.color : '#6b5a4c';
  const caret = document.createElement('span');
  caret.className = 'collaboration-carets__caret';
  caret.setAttribute('aria-hidden', 'true');
  caret.style.borderColor = colour;
  const label = document.createElement('span');
  label.className = 'collaboration-carets__label';
  label.style.backgroundColor = colour;
  label.dataset.name = typeof user.name === 'string' ? user.name.slice(0, 80) : '';
  caret.append(label);
  return caret;
}

export interface DocEditorOptions {
  element: HTMLElement;
  doc: Y.Doc;
  awareness: Awareness;
  editable: boolean;
  /** The person's presence; the server sets `id` and `name` to who they are (docs/sync-protocol.md). */
  user: { id: string; name: string; color: string };
  placeholder: string;
  /** The accessible name of the editing area. */
  label: string;
}

export function createEditor(options: DocEditorOptions): Editor {
  return new Editor({
    element: options.element,
    editable: options.editable,
    editorProps: {
      attributes: {
        role: 'textbox',
        'aria-multiline': 'true',
        'aria-label': options.label,
        'aria-readonly': String(!options.editable),
        class: 'doc-body'
      }
    },
    extensions: [
      StarterKit.configure({
        // Collaboration brings Yjs's undo manager instead.
        undoRedo: false,
        // Their safe versions below.
        link: false,
        codeBlock: false
      }),
      SafeLink.configure({
        openOnClick: !options.editable,
        autolink: true,
        protocols: ['mailto'],
        defaultProtocol: 'https',
        isAllowedUri: (url) => isSafeLink(url),
        shouldAutoLink: (url) => isSafeLink(url) || isSafeLink(`https://${url}`),
        HTMLAttributes: { rel: LINK_REL, target: null }
      }),
      SafeCodeBlock,
      TaskList,
      TaskItem.configure({ nested: true }),
      ...safeTableExtensions,
      SafeImage,
      Callout,
      Placeholder.configure({ placeholder: options.placeholder }),
      Collaboration.configure({ document: options.doc, field: 'body' }),
      CollaborationCaret.configure({
        provider: { awareness: options.awareness },
        user: options.user,
        render: renderCaret
      })
    ]
  });
}
