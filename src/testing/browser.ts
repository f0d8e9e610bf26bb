// A minimal cookie-keeping HTTP client for integration tests: follows redirects one by one so a
// test can stop at the relying app's callback, and reads forms out of our HTML pages.

export interface FormInfo { action: string; fields: Record<string, string> }

export class TestBrowser {
  readonly cookies = new Map<string, string>();
  readonly headers: Record<string, string>;

  constructor(headers: Record<string, string> = {}) {
    this.headers = headers;
  }

  /** Every Set-Cookie line received, attributes included (this browser itself ignores Path and Domain). */
  readonly receivedSetCookies: string[] = [];

  private store(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      this.receivedSetCookies.push(line);
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*expires=/i.test(a) && Date.parse(a.split('=')[1] ?? '') < Date.now());
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...this.headers, ...(cookie ? { cookie } : {}), ...(init.headers as Record<string, string> | undefined) },
    });
    this.store(res);
    return res;
  }

  /** Follows redirects until a non-redirect response or a URL for which `stop` returns true. */
  async follow(url: string, stop: (u: string) => boolean = () => false, init: RequestInit = {}): Promise<{ url: string; res: Response }> {
    let current = url;
    let res = await this.request(current, init);
    for (let hops = 0; hops < 20; hops++) {
      const location = res.headers.get('location');
      if (res.status < 300 || res.status >= 400 || !location) return { url: current, res };
      current = new URL(location, current).href;
      if (stop(current)) return { url: current, res };
      res = await this.request(current);
    }
    throw new Error('too many redirects');
  }

  async postForm(url: string, fields: Record<string, string>): Promise<Response> {
    return this.request(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }
}

/** The first <form> whose action contains `actionPart`, with its input values. */
export function findForm(html: string, actionPart: string, baseUrl: string): FormInfo {
  const forms = html.match(/<form[\s\S]*?<\/form>/g) ?? [];
  for (const form of forms) {
    const action = /action="([^"]*)"/.exec(form)?.[1];
    if (!action || !action.includes(actionPart)) continue;
    const fields: Record<string, string> = {};
    for (const input of form.match(/<input[^>]*>/g) ?? []) {
      const name = /name="([^"]*)"/.exec(input)?.[1];
      // As a browser does: a checkbox or radio button is sent only when checked (found by a review:
      // every box was sent ticked, so no test could tell a box the person left alone).
      const choice = /type="(?:checkbox|radio)"/.test(input);
      if (name && (!choice || /\schecked(?=[\s>/])/.test(input))) fields[name] = decode(/value="([^"]*)"/.exec(input)?.[1] ?? '');
    }
    return { action: new URL(decode(action), baseUrl).href, fields };
  }
  throw new Error(`no form with action containing ${actionPart}`);
}

function decode(s: string): string {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#96;/g, '`').replace(/&amp;/g, '&');
}

// Readers for what our pages show, by their data-testid / form hooks (attributes in any order).
export const csrfOf = (html: string): string => /name="csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
/** The TOTP key as shown for typing by hand, without its grouping spaces. */
export const secretOf = (html: string): string => (/data-testid="totp-secret"[^>]*>([^<]*)</.exec(html)?.[1] ?? '').replace(/\s/g, '');
export const recoveryCodesOf = (html: string): string[] => (/data-testid="recovery-codes"[^>]*>([^<]*)</.exec(html)?.[1] ?? '').split(/\s+/).filter(Boolean);
export const alertText = (html: string): string => /role="alert"[^>]*>([^<]*)</.exec(html)?.[1] ?? '';
