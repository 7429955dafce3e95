/**
 * Draws Fika's icon (a coffee cup with steam on a coffee-brown tile) and renders it to the PNGs
 * the web app manifest lists, with Debian's Chromium:
 *
 *   static/icons/favicon.svg           the tile, for browser tabs and the header
 *   static/icons/icon-192.png          the tile on a transparent background ("any")
 *   static/icons/icon-512.png
 *   static/icons/icon-maskable-512.png full-bleed background, the cup inside the central 80 %
 *                                      circle that every platform's mask keeps
 *
 * Run with `npm run icons`; the generated files are committed.
 */
import { chromium } from '@playwright/test';
import fs from 'node:fs';
import path from 'node:path';
import { CHROMIUM_ARGS, chromiumPath } from '../tests/e2e/browser';

const COFFEE = '#6b3e26';
const CREAM = '#fbf7f2';
const ESPRESSO = '#3d2114';
const STEAM = '#e8c39e';

const out = path.resolve(import.meta.dirname, '..', 'static', 'icons');

/** The cup, saucer and steam on a 512 × 512 grid, about 340 units wide and 380 high. */
const cup = `
  <g fill="none" stroke="${STEAM}" stroke-width="20" stroke-linecap="round">
    <path d="M200 190 C180 166 220 150 200 124 S220 88 204 66" />
    <path d="M256 190 C236 166 276 150 256 124 S276 88 260 66" />
    <path d="M312 190 C292 166 332 150 312 124 S332 88 316 66" />
  </g>
  <circle cx="382" cy="290" r="42" fill="none" stroke="${CREAM}" stroke-width="24" />
  <path d="M134 226 H378 V286 C378 356 324 410 256 410 C188 410 134 356 134 286 Z" fill="${CREAM}" />
  <ellipse cx="256" cy="228" rx="110" ry="14" fill="${ESPRESSO}" />
  <rect x="100" y="424" width="312" height="24" rx="12" fill="${CREAM}" />`;

/** Scales the cup about the centre of its bounding box and puts that at the tile's centre. */
function placed(scale: number): string {
  const [cx, cy] = [262, 257];
  return `<g transform="translate(256 256) scale(${scale}) translate(${-cx} ${-cy})">${cup}</g>`;
}

/** For browsers and "any" icons: a rounded tile, transparent around it. */
const tile = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">
  <rect width="512" height="512" rx="112" fill="${COFFEE}" />
  ${placed(0.86)}
</svg>
`;

/** For maskable icons: full bleed, with the cup within a circle of 40 % of the size (about 200 units). */
const maskable = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 512 512">
  <rect width="512" height="512" fill="${COFFEE}" />
  ${placed(0.7)}
</svg>
`;

async function main(): Promise<void> {
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'favicon.svg'), tile);

  const browser = await chromium.launch({ executablePath: chromiumPath(), args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage({ deviceScaleFactor: 1 });
    const render = async (svg: string, size: number, file: string, transparent: boolean) => {
      await page.setViewportSize({ width: size, height: size });
      await page.setContent(
        `<!doctype html><html><body style="margin:0;background:transparent">` +
          svg.replace('<svg ', `<svg width="${size}" height="${size}" style="display:block" `) +
          `</body></html>`
      );
      await page.screenshot({
        path: path.join(out, file),
        omitBackground: transparent,
        clip: { x: 0, y: 0, width: size, height: size }
      });
      console.log(`wrote static/icons/${file}`);
    };
    await render(tile, 192, 'icon-192.png', true);
    await render(tile, 512, 'icon-512.png', true);
    await render(maskable, 512, 'icon-maskable-512.png', false);
  } finally {
    await browser.close();
  }
}

await main();
