/** Swedish and English words for the benchmarks' generated content, and sentences of them. */
import { randomInt } from 'node:crypto';

export const WORDS = (
  'semester riktlinje lager truck leverans kund kontor möte fika projekt säkerhet rutin ' +
  'schedule warehouse delivery customer office meeting project safety routine update team ' +
  'planering inventering sortiment order faktura budget utbildning certifikat skift rast'
).split(' ');

/** A sentence of `words` random words, capitalised, with a full stop. */
export function sentence(words: number): string {
  const out: string[] = [];
  for (let i = 0; i < words; i++) out.push(WORDS[randomInt(WORDS.length)]!);
  const text = out.join(' ');
  return `${text[0]!.toUpperCase()}${text.slice(1)}.`;
}
