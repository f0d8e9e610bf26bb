// Small HTTP helpers for our pages: form bodies with a size limit, HTML responses, page context.
import type { IncomingMessage } from 'node:http';
import type { Context } from 'koa';
import { IdpError } from '../src/errors.ts';
import { LOCALES, pickLocale, translator } from './i18n/index.ts';
import { backPathFor, chosenLanguage } from './language.ts';
import type { PageContext } from './views/layout.ts';

const FORM_LIMIT_BYTES = 16 * 1024;

/** Reads an application/x-www-form-urlencoded body; anything else or too large is a 400/413. */
export async function readForm(ctx: Context): Promise<URLSearchParams> {
  if (!ctx.is('application/x-www-form-urlencoded')) throw new IdpError('bad_request', 'expected a form submission');
  const declared = Number(ctx.get('content-length') || 0);
  const body = declared > FORM_LIMIT_BYTES ? undefined : await readLimited(ctx.req, FORM_LIMIT_BYTES);
  if (body === undefined) {
    ctx.status = 413;
    throw new IdpError('bad_request', 'form too large');
  }
  return new URLSearchParams(body.toString('utf8'));
}

/**
 * The body, or undefined once it passes `limit` bytes. It stops listening instead of destroying the
 * request (leaving a `for await` loop early would): Node discards the rest and the 413 page still
 * reaches the browser on a connection that stays usable.
 */
function readLimited(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = (finish: () => void) => {
      req.off('data', onData).off('end', onEnd).off('error', onError);
      finish();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) chunks.push(chunk);
      else done(() => { req.resume(); resolve(undefined); });
    };
    const onEnd = () => done(() => resolve(Buffer.concat(chunks)));
    const onError = (err: Error) => done(() => reject(err));
    req.on('data', onData).on('end', onEnd).on('error', onError);
  });
}

/** The trimmed value of a single form field, or '' (a repeated field counts as its first value). */
export function field(form: URLSearchParams, name: string, max = 1024): string {
  const v = form.get(name) ?? '';
  return v.length > max ? v.slice(0, max) : v;
}

export function sendHtml(ctx: Context, status: number, body: string): void {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.set('Cache-Control', 'no-store');
  ctx.body = body;
}

export function pageContext(ctx: Context, brand: string, basePath: string, uiLocales?: string): PageContext {
  const locale = pickLocale(uiLocales, ctx.get('Accept-Language') || undefined, chosenLanguage(ctx));
  const back = encodeURIComponent(backPathFor(ctx));
  const languages = LOCALES.map((l) => ({ locale: l, name: translator(l)('lang.name'), href: `${basePath}/lang?set=${l}&back=${back}`, current: l === locale }));
  return { t: translator(locale), locale, brand, basePath, languages };
}

/** Sets Retry-After for a throttled answer and returns the wait in whole seconds (at least 1). */
export function throttledSeconds(ctx: Context, waitMs: number): number {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  ctx.set('Retry-After', String(seconds));
  return seconds;
}
