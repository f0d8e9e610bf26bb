// Reading a QR code the way a phone does: from the pixels of the image, not from the page's markup.
// pngjs turns the PNG into RGBA pixels, jsQR finds and decodes the code in them.
import jsqr from 'jsqr';
import { PNG } from 'pngjs';

// jsqr is CommonJS with `module.exports = jsQR` and `jsQR.default = jsQR`: `.default` is the
// function under both Node's ESM interop and Playwright's transform, and it is what the types say.
const jsQR = jsqr.default;

/** The PNG bytes of a `data:image/png;base64,…` URL. */
export function pngFromDataUrl(dataUrl: string): Buffer {
  const prefix = 'data:image/png;base64,';
  if (!dataUrl.startsWith(prefix)) throw new Error(`not a base64 PNG data URL: ${dataUrl.slice(0, 40)}…`);
  return Buffer.from(dataUrl.slice(prefix.length), 'base64');
}

/** The text of the QR code in a PNG image; throws when no code can be read. */
export function decodeQrPng(png: Buffer): string {
  const image = PNG.sync.read(png);
  const pixels = new Uint8ClampedArray(image.data.buffer, image.data.byteOffset, image.data.byteLength);
  const code = jsQR(pixels, image.width, image.height);
  if (!code) throw new Error(`no QR code found in the ${image.width}×${image.height} image`);
  return code.data;
}
