/**
 * docs/benchmarks.md holds one section per benchmark (`npm run bench:sync`, `npm run bench:app`,
 * …), each between `<!-- bench:<name> -->` and `<!-- /bench:<name> -->`. A benchmark rewrites
 * only its own section, so running one keeps the others' latest figures.
 */
import fs from 'node:fs';
import path from 'node:path';
import * as prettier from 'prettier';

const HEADER = `# Benchmarks

Figures from the latest run of each benchmark on this project's reference machine. None of them is part of
\`npm test\`; each section says how to run it again.
`;

export async function writeSection(file: string, name: string, markdown: string): Promise<void> {
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const block = `${start}\n\n${markdown.trim()}\n\n${end}`;
  let text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : HEADER;
  if (!text.includes('<!-- bench:')) text = HEADER; // an older single-benchmark page: start over
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  text =
    from >= 0 && to > from
      ? text.slice(0, from) + block + text.slice(to + end.length)
      : `${text.trimEnd()}\n\n${block}\n`;
  const options = (await prettier.resolveConfig(file)) ?? {};
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, await prettier.format(text, { ...options, filepath: file }));
}
