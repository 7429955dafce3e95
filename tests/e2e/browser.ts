/**
 * Debian's Chromium, never a downloaded browser (none can be downloaded here): `.ci/run` installs
 * the `chromium` package when it is missing. `CHROMIUM_PATH` overrides the location.
 */
import fs from 'node:fs';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync'
];

export function chromiumPath(): string {
  const file = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (!fs.existsSync(file)) {
    throw new Error(`Chromium not found at ${file}: install Debian's chromium package (see .ci/run).`);
  }
  return file;
}
