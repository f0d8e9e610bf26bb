// Small HTTP helpers for our pages: form bodies with a size limit, HTML responses, page context.
import type { Context } from 'koa';
import { IdpError } from '../src/errors.ts';
import { readLimited } from '../src/http/body.ts';
import { isWithinLimit } from '../src/factors/input-length.ts';
import { LOCALES, pickLocale, translator, type Translate } from './i18n/index.ts';
import { backPathFor, chosenLanguage } from './language.ts';
import type { PageContext } from './views/layout.ts';

const FORM_LIMIT_BYTES = 16 * 1024;

/** Reads an application/x-www-form-urlencoded body; anything else is a 400, too large a 413. */
export async function readForm(ctx: Context): Promise<URLSearchParams> {
  if (!ctx.is('application/x-www-form-urlencoded')) throw new IdpError('bad_request', 'expected a form submission');
  const body = await readLimited(ctx.req, FORM_LIMIT_BYTES);
  if (body === undefined) throw new IdpError('body_too_large', 'form too large', { detail: { limit: FORM_LIMIT_BYTES } });
  return new URLSearchParams(body.toString('utf8'));
}

export type FormFields<K extends string> = { ok: true; values: Record<K, string> } | { ok: false; tooLong: K[] };

/**
 * The named fields, each as sent or '' when absent (a repeated field counts as its first value),
 * or the names of those over their limit in characters. Nothing is cut or trimmed: a cut value is
 * another value, so one over its limit is refused whole (src/factors/input-length.ts).
 */
export function formFields<K extends string>(form: URLSearchParams, limits: Record<K, number>): FormFields<K> {
  const values: Partial<Record<K, string>> = {};
  const tooLong: K[] = [];
  for (const name of Object.keys(limits) as K[]) {
    const value = form.get(name) ?? '';
    if (isWithinLimit(value, limits[name])) values[name] = value;
    else tooLong.push(name);
  }
  return tooLong.length > 0 ? { ok: false, tooLong } : { ok: true, values: values as Record<K, string> };
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
function throttledSeconds(ctx: Context, waitMs: number): number {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  ctx.set('Retry-After', String(seconds));
  return seconds;
}

/**
 * What a throttled person reads: the wait as people say it (one second, 40 seconds, 15 minutes; the
 * delay grows to 15 minutes), rounded up so that trying at the time named works. Sets Retry-After.
 */
export function throttledMessage(ctx: Context, t: Translate, waitMs: number): string {
  const seconds = throttledSeconds(ctx, waitMs);
  if (seconds === 1) return t('throttled.second');
  if (seconds < 120) return t('throttled', { seconds });
  return t('throttled.minutes', { minutes: Math.ceil(seconds / 60) });
}
