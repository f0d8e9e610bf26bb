// A small relying web app for the IdP (also shown as `npm run demo`): sign in, sign in with
// step-up (acr_values=aal2), show the ID token's claims, sign out through the IdP. Plain node:http.
import { createHash } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOidc, describeError, type RpOidc } from './oidc.ts';
import { SessionStore } from './sessions.ts';
import { errorPage, homePage, STYLE } from './views.ts';

export interface DemoRpOptions { issuer: string; clientId: string; clientSecret?: string | undefined; port?: number }

export interface DemoRp {
  url: string;
  redirectUri: string;
  postLogoutRedirectUri: string;
  close(): Promise<void>;
}

interface Ctx { req: IncomingMessage; res: ServerResponse; url: URL }

const UI_LOCALES = /^[A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*( [A-Za-z]{2,8}(-[A-Za-z0-9]{1,8})*)*$/;

function send(res: ServerResponse, status: number, body: string, csp: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store', 'Content-Security-Policy': csp,
    'X-Content-Type-Options': 'nosniff', 'Referrer-Policy': 'no-referrer',
  });
  res.end(body);
}

function redirect(res: ServerResponse, location: string): void {
  res.writeHead(303, { Location: location, 'Cache-Control': 'no-store' });
  res.end();
}

export async function startDemoRp(options: DemoRpOptions): Promise<DemoRp> {
  const server = http.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  const redirectUri = `${url}/callback`;
  const postLogoutRedirectUri = `${url}/`;
  const sessions = new SessionStore();
  const rp: RpOidc = createOidc(options);
  const styleHash = createHash('sha256').update(STYLE).digest('base64');
  // Forms post to us, and our answers redirect to the IdP: form-action must allow both.
  const csp = `default-src 'none'; style-src 'sha256-${styleHash}'; form-action 'self' ${new URL(options.issuer).origin}; base-uri 'none'; frame-ancestors 'none'`;
  const page = (res: ServerResponse, status: number, body: string) => send(res, status, body, csp);

  async function login({ req, res, url: reqUrl }: Ctx): Promise<void> {
    const uiLocales = reqUrl.searchParams.get('ui_locales') ?? undefined;
    if (uiLocales !== undefined && !UI_LOCALES.test(uiLocales)) return page(res, 400, errorPage('invalid_request', 'ui_locales must be language tags separated by spaces'));
    const { url: authUrl, pending } = await rp.authorizationUrl(redirectUri, { stepUp: reqUrl.searchParams.get('stepup') === '1', uiLocales });
    const session = sessions.find(req);
    if (session) session.pending = pending;
    else sessions.create(req, res, { pending });
    redirect(res, authUrl.href);
  }

  async function callback({ req, res, url: reqUrl }: Ctx): Promise<void> {
    const pending = sessions.find(req)?.pending;
    if (!pending) {
      const idpError = reqUrl.searchParams.get('error');
      return page(res, 400, errorPage(idpError ?? 'no_sign_in_in_progress', 'This browser has no sign-in in progress with this app (or it expired). Start again.'));
    }
    try {
      const signedIn = await rp.redeem(reqUrl, pending);
      sessions.create(req, res, { signedIn });
      redirect(res, '/');
    } catch (err) {
      const session = sessions.find(req);
      if (session) session.pending = undefined;
      const { error, description } = describeError(err);
      page(res, 400, errorPage(error, description));
    }
  }

  async function logout({ req, res }: Ctx): Promise<void> {
    const signedIn = sessions.find(req)?.signedIn;
    sessions.destroy(req, res);
    if (!signedIn) return redirect(res, '/');
    redirect(res, (await rp.endSessionUrl(signedIn.idToken, postLogoutRedirectUri)).href);
  }

  const routes: Record<string, (ctx: Ctx) => Promise<void> | void> = {
    'GET /': ({ req, res }) => page(res, 200, homePage(options.issuer, sessions.find(req)?.signedIn)),
    'GET /login': login,
    'GET /callback': callback,
    'POST /logout': logout,
  };

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const reqUrl = new URL(req.url ?? '/', url);
    const route = routes[`${req.method ?? 'GET'} ${reqUrl.pathname}`];
    if (!route) return page(res, 404, errorPage('not_found', `${req.method ?? ''} ${reqUrl.pathname} is not a page of this app.`));
    Promise.resolve(route({ req, res, url: reqUrl })).catch((err: unknown) => {
      const { error, description } = describeError(err);
      if (!res.headersSent) page(res, 500, errorPage(error, description));
      else res.end();
    });
  });

  return {
    url, redirectUri, postLogoutRedirectUri,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
