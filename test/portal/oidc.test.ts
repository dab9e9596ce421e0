// The relying-party module against a real OpenID provider (oidc-provider on a free port): its
// settings, the code flow with PKCE, state and nonce, and each way a sign-in is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as client from 'openid-client';
import {
  OidcRelyingParty,
  OidcSignInError,
  parseFlow,
  parseOidcSettings,
  type OidcSettings,
} from '../../portal/sign-in/oidc.ts';
import {
  signInAtProvider,
  startTestProvider,
  TEST_CLAIM,
  type TestProvider,
} from './identity-provider.ts';

const PORTAL = 'http://127.0.0.1:9';
let provider: TestProvider;
let settings: OidcSettings;

beforeAll(async () => {
  provider = await startTestProvider(PORTAL, [
    {
      login: 'rossi',
      claims: { fiscalNumber: 'TINIT-RSSMRA80A01L781X', email: 'r@example.invalid' },
    },
  ]);
  const parsed = parseOidcSettings({
    QDP_PORTAL_OIDC_ISSUER: provider.issuer,
    QDP_PORTAL_OIDC_CLIENT_ID: provider.client.clientId,
    QDP_PORTAL_OIDC_CLIENT_SECRET: provider.client.clientSecret,
    QDP_PORTAL_OIDC_SCOPES: 'openid fiscal_number',
    QDP_PORTAL_OIDC_CLAIM: TEST_CLAIM,
    QDP_PORTAL_PUBLIC_URL: PORTAL,
  });
  expect(parsed.problems).toEqual([]);
  settings = parsed.settings!;
});

afterAll(async () => {
  await provider?.close();
});

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OidcSignInError);
  return (error as OidcSignInError).refusal;
}

describe('settings', () => {
  it('none set: passwords only', () => {
    expect(parseOidcSettings({})).toEqual({ settings: undefined, problems: [] });
  });

  it('some set: every missing one named; bad values named with what is wrong', () => {
    expect(
      parseOidcSettings({ QDP_PORTAL_OIDC_ISSUER: 'https://login.example.org/realms/ulss' })
        .problems,
    ).toEqual([
      'QDP_PORTAL_OIDC_CLIENT_ID: is required for single sign-on (set with QDP_PORTAL_OIDC_ISSUER)',
      'QDP_PORTAL_OIDC_CLIENT_SECRET: is required for single sign-on (set with QDP_PORTAL_OIDC_ISSUER)',
      'QDP_PORTAL_OIDC_CLAIM: is required for single sign-on (set with QDP_PORTAL_OIDC_ISSUER)',
      'QDP_PORTAL_PUBLIC_URL: is required for single sign-on (set with QDP_PORTAL_OIDC_ISSUER)',
    ]);
    expect(
      parseOidcSettings({
        QDP_PORTAL_OIDC_ISSUER: 'http://login.example.org',
        QDP_PORTAL_OIDC_CLIENT_ID: 'portal',
        QDP_PORTAL_OIDC_CLIENT_SECRET: 's',
        QDP_PORTAL_OIDC_SCOPES: 'email profile',
        QDP_PORTAL_OIDC_CLAIM: 'fiscal number',
        QDP_PORTAL_PUBLIC_URL: 'portal.example.org',
      }).problems,
    ).toEqual([
      'QDP_PORTAL_OIDC_ISSUER: must use https (plain http only on localhost)',
      'QDP_PORTAL_OIDC_SCOPES: must include "openid"',
      'QDP_PORTAL_OIDC_CLAIM: must be a claim name such as fiscalNumber or email',
      'QDP_PORTAL_PUBLIC_URL: must be the portal’s address as browsers reach it (https://…)',
    ]);
  });

  it('the callback and the sign-out return are under the public URL', () => {
    expect(settings.redirectUri.href).toBe(`${PORTAL}/login/oidc/callback`);
    expect(settings.postLogoutRedirectUri.href).toBe(`${PORTAL}/login`);
  });
});

describe('the code flow', () => {
  it('PKCE (S256), state and nonce in the request; the claim of the ID token back', async () => {
    const rp = new OidcRelyingParty(settings);
    const { url, flow } = await rp.begin('/quarantene');
    expect(url.origin).toBe(provider.issuer);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toBe(
      await client.calculatePKCECodeChallenge(flow.verifier),
    );
    expect(url.searchParams.get('state')).toBe(flow.state);
    expect(url.searchParams.get('nonce')).toBe(flow.nonce);
    expect(url.searchParams.get('scope')).toBe('openid fiscal_number');
    const back = await signInAtProvider(url, 'rossi');
    expect(back.origin + back.pathname).toBe(`${PORTAL}/login/oidc/callback`);
    const identity = await rp.complete(back, flow);
    expect(identity.value).toBe('TINIT-RSSMRA80A01L781X');
    expect(identity.idToken).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it('the flow travels as JSON and is refused once expired or altered', () => {
    const flow = {
      state: 's',
      nonce: 'n',
      verifier: 'v'.repeat(43),
      next: '/',
      expires: Date.now() + 1000,
    };
    expect(parseFlow(JSON.stringify(flow))).toEqual(flow);
    expect(parseFlow(JSON.stringify({ ...flow, expires: Date.now() - 1 }))).toBeUndefined();
    expect(parseFlow(JSON.stringify({ ...flow, verifier: 'short' }))).toBeUndefined();
    expect(parseFlow('{')).toBeUndefined();
    expect(parseFlow(undefined)).toBeUndefined();
  });

  it('a tampered state is refused before the code is spent', async () => {
    const rp = new OidcRelyingParty(settings);
    const { url, flow } = await rp.begin('/');
    const back = await signInAtProvider(url, 'rossi');
    back.searchParams.set('state', `${flow.state}x`);
    expect(await refusal(rp.complete(back, flow))).toBe('flow');
    expect(await refusal(rp.complete(back, undefined))).toBe('flow');
  });

  it('a replayed code is refused by the provider', async () => {
    const rp = new OidcRelyingParty(settings);
    const { url, flow } = await rp.begin('/');
    const back = await signInAtProvider(url, 'rossi');
    expect((await rp.complete(back, flow)).value).toBe('TINIT-RSSMRA80A01L781X');
    expect(await refusal(rp.complete(back, flow))).toBe('provider');
  });

  it('a code issued to another client is refused', async () => {
    const rp = new OidcRelyingParty(settings);
    const other = new OidcRelyingParty({
      ...settings,
      clientId: provider.otherClient.clientId,
      clientSecret: provider.otherClient.clientSecret,
    });
    const { url, flow } = await other.begin('/');
    const back = await signInAtProvider(url, 'rossi');
    expect(await refusal(rp.complete(back, flow))).toBe('provider');
  });

  it('an ID token for another client, an expired one, one without the claim: refused', async () => {
    const rp = new OidcRelyingParty(settings);
    for (const [edit, expected] of [
      [(c: Record<string, unknown>) => (c.aud = provider.otherClient.clientId), 'token'],
      [
        (c: Record<string, unknown>) => {
          c.iat = Math.floor(Date.now() / 1000) - 7200;
          c.exp = Math.floor(Date.now() / 1000) - 3600;
        },
        'token',
      ],
      [(c: Record<string, unknown>) => (c.nonce = 'another'), 'token'],
      [(c: Record<string, unknown>) => delete c[TEST_CLAIM], 'claim'],
    ] as const) {
      const { url, flow } = await rp.begin('/');
      const back = await signInAtProvider(url, 'rossi');
      provider.tamperNextIdToken(edit);
      expect(await refusal(rp.complete(back, flow))).toBe(expected);
    }
  });

  it('the provider unreachable: refused as unavailable, tried again next time', async () => {
    const rp = new OidcRelyingParty({ ...settings, issuer: new URL('http://127.0.0.1:9/') });
    expect(await refusal(rp.begin('/'))).toBe('unavailable');
    expect(await refusal(rp.begin('/'))).toBe('unavailable');
  });

  it('RP-initiated logout: the provider’s end-session address with the client and the return', async () => {
    const url = await new OidcRelyingParty(settings).endSessionUrl();
    expect(url?.origin).toBe(provider.issuer);
    expect(url?.searchParams.get('client_id')).toBe(provider.client.clientId);
    expect(url?.searchParams.get('post_logout_redirect_uri')).toBe(`${PORTAL}/login`);
  });
});
