/**
 * Every content type search covers. A new type (forum threads, ideas, projects) adds its module
 * and one entry here; the type's name also needs its label (`search.type.<type>` in i18n).
 */
import type { SearchContributor } from '../contributor';
import { people, groups } from './directory';
import { documents } from './documents';
import { comments, posts } from './posts';

export const contributors: readonly SearchContributor[] = [posts, comments, documents, people, groups];

/** The types in the order results are grouped. */
export const SEARCH_TYPES = ['person', 'doc', 'post', 'comment', 'group'] as const;
