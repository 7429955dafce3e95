/**
 * Live views of a document room's versions and confirmations for the pages: recomputed when
 * the room's `versions`, `meta` or `confirmations` change (here or from another device), never
 * on the body's keystrokes.
 */
import type * as Y from 'yjs';
import { meta } from '$lib/model/doc-room';
import {
  confirmationsOf,
  needsConfirmation,
  readVersions,
  requiredVersion,
  versionsOf,
  type DocVersion
} from '$lib/model/doc-versions';

export interface VersionState {
  /** Oldest first. */
  versions: DocVersion[];
  /** The version readers are asked to confirm now, if any. */
  required: DocVersion | null;
  /** The version this person must still confirm, if any. */
  mine: DocVersion | null;
}

export function versionState(getDoc: () => Y.Doc, getUserId: () => string): { readonly value: VersionState } {
  let value = $state.raw<VersionState>({ versions: [], required: null, mine: null });
  $effect(() => {
    const doc = getDoc();
    const userId = getUserId();
    const read = () => {
      value = {
        versions: readVersions(doc),
        required: requiredVersion(doc),
        mine: needsConfirmation(doc, userId)
      };
    };
    read();
    const types = [versionsOf(doc), meta(doc), confirmationsOf(doc)];
    for (const type of types) type.observe(read);
    return () => {
      for (const type of types) type.unobserve(read);
    };
  });
  return {
    get value() {
      return value;
    }
  };
}
