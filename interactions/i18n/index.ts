// Message lookup and language choice: the language the person picked with the switcher (a cookie)
// first, then the app's ui_locales (OIDC Core 3.1.2.1: a preference, "as a hint"), then
// Accept-Language, then Dutch, the portal's language. The click comes first because the switcher
// is on every page: one that changed nothing would be no switcher.
import { en } from './en.ts';
import { fr } from './fr.ts';
import { nl } from './nl.ts';

export type MessageKey = keyof typeof nl;
export const LOCALES = ['nl', 'fr', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
const CATALOGUES: Record<Locale, Record<MessageKey, string>> = { nl, fr, en };

export type Translate = (key: MessageKey, vars?: Record<string, string | number>) => string;

export function translator(locale: Locale): Translate {
  const catalogue = CATALOGUES[locale];
  return (key, vars = {}) => catalogue[key].replace(/\{(\w+)\}/g, (m, name: string) => (name in vars ? String(vars[name]) : m));
}

function toLocale(tag: string): Locale | undefined {
  const primary = tag.trim().toLowerCase().split('-')[0];
  return LOCALES.find((l) => l === primary);
}

/** Picks the switcher's cookie, then the first supported language from ui_locales, then Accept-Language (by q), else nl. */
export function pickLocale(uiLocales: string | undefined, acceptLanguage: string | undefined, chosen?: string): Locale {
  const picked = chosen === undefined ? undefined : toLocale(chosen);
  if (picked) return picked;
  for (const tag of (uiLocales ?? '').split(/\s+/)) {
    const l = toLocale(tag);
    if (l) return l;
  }
  const ranked = (acceptLanguage ?? '').split(',').map((part, i) => {
    const [tag = '', ...params] = part.split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)/.exec(p)?.[1]).find(Boolean);
    return { tag, q: q === undefined ? 1 : Number(q), i };
  }).filter((x) => x.q > 0).sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of ranked) {
    const l = toLocale(tag);
    if (l) return l;
  }
  return 'nl';
}
