/**
 * Every content type search covers. A new type (forum threads, ideas, projects) adds its module
 * and one entry here; the type's name also goes in `SEARCH_TYPES` (types.ts) with its label
 * (`search.type.<type>` in i18n).
 */
import type { SearchContributor } from '../contributor';
import { people, groups } from './directory';
import { documents } from './documents';
import { comments, posts } from './posts';

export const contributors: readonly SearchContributor[] = [posts, comments, documents, people, groups];
