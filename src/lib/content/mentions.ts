/**
 * Mentions in post and comment text: Markdown links with the `mention:` scheme,
 * `[@Sara Nilsson](mention:sara)`. They read well as plain text, survive any editor, and name the
 * person by id. Kept apart from the Markdown renderer so that writing needs no parser.
 */
const MENTION = /\]\(mention:([A-Za-z0-9_-]{1,64})\)/g;

/** The ids of the people the text mentions, once each, in order. */
export function mentionedIds(text: string): string[] {
  return [...new Set([...text.matchAll(MENTION)].map((m) => m[1]!))];
}

/** The Markdown for a mention of a person. Brackets in the name are dropped so the link holds. */
export function mentionMarkdown(person: { id: string; name: string }): string {
  return `[@${person.name.replace(/[[\]]/g, '')}](mention:${person.id})`;
}
