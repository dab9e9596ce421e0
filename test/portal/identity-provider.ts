// The tests' OpenID provider (oidc-provider, local/identity-provider.ts) and what they do with it
// without a browser: walk its sign-in form to the code it sends back, and sign ID tokens it never
// issued (another client's audience, an expired one) with its own key.
import { createSign } from 'node:crypto';
import type pg from 'pg';
import {
  startIdentityProvider,
  type ProviderClient,
  type ProviderIdentity,
  type RunningIdentityProvider,
} from '../../local/identity-provider.ts';

export const TEST_CLAIM = 'fiscalNumber';

export interface TestProvider extends RunningIdentityProvider {
  client: ProviderClient;
  otherClient: ProviderClient;
  /** The next ID token the token endpoint returns is changed by `edit` and signed again. */
  tamperNextIdToken(edit: (claims: Record<string, unknown>) => void): void;
  /** The next redirect back to the portal's callback is changed by `edit` (or only read). */
  tamperNextCallback(edit: (url: URL) => void): void;
}

/** A provider with the portal's client (redirecting to `portalUrl`) and another client. */
export async function startTestProvider(
  portalUrl: string,
  identities: ProviderIdentity[],
): Promise<TestProvider> {
  const client: ProviderClient = {
    clientId: 'qdp-portal-test',
    clientSecret: 'portal-test-client-secret-0123456789',
    redirectUris: [new URL('/login/oidc/callback', portalUrl).href],
    postLogoutRedirectUris: [new URL('/login', portalUrl).href],
  };
  // Another relying party of the same provider, allowed to redirect to the portal too, so that
  // its codes and tokens can be delivered there.
  const otherClient: ProviderClient = {
    ...client,
    clientId: 'another-service',
    clientSecret: 'another-service-secret-0123456789',
  };
  const running = await startIdentityProvider({ identities, clients: [client, otherClient] });
  let pendingEdit: ((claims: Record<string, unknown>) => void) | undefined;
  let callbackEdit: ((url: URL) => void) | undefined;
  const callback = client.redirectUris[0]!;
  running.provider.use(async (ctx, next) => {
    await next();
    const location = ctx.response.get('location') ?? '';
    if (callbackEdit && location.startsWith(`${callback}?`)) {
      const url = new URL(location);
      callbackEdit(url);
      callbackEdit = undefined;
      ctx.response.set('location', url.href);
    }
    const body = ctx.body as { id_token?: string } | undefined;
    if (pendingEdit && ctx.path === '/token' && ctx.status === 200 && body?.id_token) {
      const edit = pendingEdit;
      pendingEdit = undefined;
      const claims = JSON.parse(
        Buffer.from(body.id_token.split('.')[1]!, 'base64url').toString(),
      ) as Record<string, unknown>;
      edit(claims);
      body.id_token = signJwt(running, claims);
    }
  });
  return {
    ...running,
    client,
    otherClient,
    tamperNextIdToken: (edit) => {
      pendingEdit = edit;
    },
    tamperNextCallback: (edit) => {
      callbackEdit = edit;
    },
  };
}

/**
 * Registers the provider in the database as its owner does (the issuer, the portal's client, the
 * claim and the provider's public keys), which then checks every ID token against it (0053).
 */
export async function registerTestProvider(pool: pg.Pool, provider: TestProvider): Promise<void> {
  await pool.query("select qdp.identity_provider_set($1, $2, $3, $4, 'test')", [
    provider.issuer,
    provider.client.clientId,
    TEST_CLAIM,
    provider.publicKeySet,
  ]);
}

/** An RS256 JWT signed with the provider's own key. */
export function signJwt(
  provider: RunningIdentityProvider,
  claims: Record<string, unknown>,
): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ alg: 'RS256', kid: provider.keyId, typ: 'JWT' })}.${encode(claims)}`;
  const signature = createSign('RSA-SHA256').update(input).sign(provider.signingKey, 'base64url');
  return `${input}.${signature}`;
}

/**
 * Follows an authorization request through the provider's sign-in form as `login` and answers
 * the URL it finally redirects to (the relying party's callback, with `code` and `state`).
 */
export async function signInAtProvider(authorizationUrl: URL, login: string): Promise<URL> {
  const cookies = new Map<string, string>();
  let url = authorizationUrl;
  const request = async (method: string, target: URL, body?: URLSearchParams) => {
    const response = await fetch(target, {
      method,
      redirect: 'manual',
      headers: {
        cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body,
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return response;
  };
  for (let hop = 0; hop < 10; hop++) {
    const response = await request('GET', url);
    const location = response.headers.get('location');
    if (location) {
      const nextUrl = new URL(location, url);
      if (nextUrl.origin !== authorizationUrl.origin) return nextUrl;
      url = nextUrl;
      continue;
    }
    const html = await response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!action || !html.includes('name="login"')) {
      throw new Error(`provider page without its sign-in form (${response.status}): ${html}`);
    }
    const posted = await request(
      'POST',
      new URL(action, url),
      new URLSearchParams({ prompt: 'login', login, password: 'any' }),
    );
    url = new URL(posted.headers.get('location')!, url);
  }
  throw new Error('the provider never redirected back');
}
