/**
 * Builds the web app into build/ when it is missing or older than its sources, so that
 * `npm start` on a fresh checkout (or after a pull) serves the current app without a separate
 * build step. A fingerprint of everything the build reads is kept in build/.fika-build.
 *
 *   node scripts/build-app.mjs           build if needed
 *   node scripts/build-app.mjs --force   always build
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const STAMP = path.join(root, 'build', '.fika-build');
const INPUTS = ['src', 'static', 'svelte.config.js', 'vite.config.ts', 'package-lock.json', 'tsconfig.json'];

function fingerprint() {
  const hash = createHash('sha256');
  const add = (file) => {
    const stat = fs.statSync(file);
    if (stat.isDirectory()) {
      for (const entry of fs.readdirSync(file).sort()) add(path.join(file, entry));
    } else if (!file.endsWith('.test.ts')) {
      hash.update(path.relative(root, file)).update('\0').update(fs.readFileSync(file)).update('\0');
    }
  };
  for (const input of INPUTS) {
    const file = path.join(root, input);
    if (fs.existsSync(file)) add(file);
  }
  return hash.digest('hex');
}

const wanted = fingerprint();
const current = fs.existsSync(STAMP) ? fs.readFileSync(STAMP, 'utf8').trim() : null;
if (current === wanted && !process.argv.includes('--force')) process.exit(0);

console.log(current === null ? 'Building the web app…' : 'The web app changed: building it again…');
const started = Date.now();
const vite = path.join(root, 'node_modules', 'vite', 'bin', 'vite.js');
const result = spawnSync(process.execPath, [vite, 'build', '--logLevel', 'warn'], {
  cwd: root,
  stdio: 'inherit'
});
if (result.status !== 0) {
  console.error('Building the web app failed.');
  process.exit(result.status ?? 1);
}
fs.writeFileSync(STAMP, `${wanted}\n`);
console.log(`Web app built in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
