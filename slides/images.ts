/**
 * Pictures on slides, inlined as data: URLs so the deck needs no network and no files
 * beside it: image files from the repository, and QR codes made here at build time.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import QRCode from 'qrcode';

const IMAGE_TYPES: Record<string, string> = {
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
};

/**
 * The image at `href` as a data: URL, or what is wrong with it. A path starting with
 * `./` or `../` is relative to the slide file `file`, any other to the repository `root`.
 */
export function imageDataUrl(
  href: string,
  file: string,
  root: string,
): { url: string } | { error: string } {
  if (/^[a-z]+:/i.test(href)) {
    return {
      error: `image ${href}: the deck works offline, so images must be files in the repository`,
    };
  }
  const type = IMAGE_TYPES[extname(href).toLowerCase()];
  if (!type)
    return {
      error: `image ${href}: use one of ${Object.keys(IMAGE_TYPES).join(' ')}`,
    };
  const base = /^\.\.?\//.test(href) ? join(root, dirname(file)) : root;
  const path = resolve(base, href);
  if (!path.startsWith(resolve(root) + sep))
    return { error: `image ${href}: outside the repository` };
  if (!existsSync(path))
    return { error: `image ${href}: no such file (${relative(root, path)})` };
  return {
    url: `data:${type};base64,${readFileSync(path).toString('base64')}`,
  };
}

/** A QR code as an SVG, made here from the `qrcode` package's module matrix: no network, no canvas. */
export function qrCodeSvg(text: string): string {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: 'M' });
  const quiet = 4;
  const size = modules.size + quiet * 2;
  let path = '';
  for (let row = 0; row < modules.size; row++) {
    for (let column = 0; column < modules.size; column++) {
      if (modules.get(row, column))
        path += `M${column + quiet} ${row + quiet}h1v1h-1z`;
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${size} ${size}" shape-rendering="crispEdges"><rect width="${size}" height="${size}" fill="#fff"/><path d="${path}" fill="#000"/></svg>`;
}

export function qrCodeDataUrl(text: string): string {
  return `data:image/svg+xml;base64,${Buffer.from(qrCodeSvg(text)).toString('base64')}`;
}
