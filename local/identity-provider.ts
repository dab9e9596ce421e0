// An OpenID Connect provider on localhost (oidc-provider, a certified implementation) for local
// mode and the tests: its own sign-in form (any password: it is a demonstration), one identity per
// demo role, RP-initiated logout. The portal connects to it exactly as to Entra ID, Keycloak or a
// SPID/CIE gateway. Never for production: identities are fixed and nothing is stored.
import { createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import Provider, { type KoaContext } from 'oidc-provider';
import { DEMO_USERS } from './demo.ts';

export interface ProviderIdentity {
  /** What to type in the provider's sign-in form (its subject). */
  login: string;
  /** Claims of the ID token besides `sub` (fiscalNumber, email, preferred_username, name …). */
  claims: Record<string, string>;
}

export interface ProviderClient {
  clientId: string;
  clientSecret: string;
  redirectUris: string[];
  postLogoutRedirectUris: string[];
}

export interface IdentityProviderOptions {
  host?: string;
  /** 0 (default): a free port. */
  port?: number;
  identities: ProviderIdentity[];
  clients: ProviderClient[];
}

export interface RunningIdentityProvider {
  issuer: string;
  provider: Provider;
  /** The ID tokens' signing key and its key id (tests sign tokens the provider never issued). */
  signingKey: KeyObject;
  keyId: string;
  /** The public key set (JWKS) to register in the database, which checks ID tokens with it. */
  publicKeySet: { keys: Record<string, unknown>[] };
  close(): Promise<void>;
}

/** Scopes and the claims each brings into the ID token. */
const CLAIMS = {
  openid: ['sub'],
  email: ['email', 'email_verified'],
  profile: ['name', 'given_name', 'family_name', 'preferred_username'],
  // As SPID/CIE gateways name the fiscal code.
  fiscal_number: ['fiscalNumber'],
};

export async function startIdentityProvider(
  options: IdentityProviderOptions,
): Promise<RunningIdentityProvider> {
  const server: Server = createServer();
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://${host}:${port}`;
  const keyId = randomBytes(8).toString('hex');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const identities = new Map(options.identities.map((i) => [i.login, i]));

  const provider = new Provider(issuer, {
    clients: options.clients.map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      redirect_uris: c.redirectUris,
      post_logout_redirect_uris: c.postLogoutRedirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    })),
    jwks: {
      keys: [{ ...privateKey.export({ format: 'jwk' }), kid: keyId, use: 'sig', alg: 'RS256' }],
    },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: CLAIMS,
    // The scopes' claims go in the ID token too, as Entra ID, Keycloak and the gateways do.
    conformIdTokenClaims: false,
    async findAccount(_ctx, sub) {
      // Any login signs in (a person the portal does not know is refused there, not here).
      const identity = identities.get(sub) ?? { login: sub, claims: {} };
      return { accountId: sub, claims: () => ({ sub, ...identity.claims }) };
    },
    // Every client here is first-party: no consent screen.
    async loadExistingGrant(ctx: KoaContext) {
      const { oidc } = ctx;
      const clientId = oidc.client?.clientId;
      if (!clientId || !oidc.session?.accountId) return undefined;
      const existing = oidc.result?.consent?.grantId ?? oidc.session.grantIdFor(clientId);
      if (existing) return oidc.provider.Grant.find(existing);
      const grant = new oidc.provider.Grant({ clientId, accountId: oidc.session.accountId });
      grant.addOIDCScope(Object.keys(CLAIMS).join(' '));
      await grant.save();
      return grant;
    },
    // Short lives: an ID token is read once, at the portal's callback.
    ttl: { IdToken: 600, AccessToken: 600, Interaction: 600, Session: 3600, Grant: 3600 },
    features: {
      devInteractions: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
  });
  const handler = provider.callback();
  server.on('request', handler);
  return {
    issuer,
    provider,
    signingKey: privateKey,
    publicKeySet: {
      keys: [
        {
          ...createPublicKey(privateKey).export({ format: 'jwk' }),
          kid: keyId,
          use: 'sig',
          alg: 'RS256',
        },
      ],
    },
    keyId,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Local mode: the portal's client at the demo provider, and its settings for the portal. */
export const DEMO_CLIENT_ID = 'qdp-portal-demo';
/** The claim the demo registers: a SPID/CIE gateway's fiscalNumber. */
export const DEMO_CLAIM = 'fiscalNumber';

/** One identity per demo user (local/demo.ts DEMO_USERS), and one nobody registered. */
export function demoIdentities(): (ProviderIdentity & { username: string | undefined })[] {
  // Synthetic fiscal numbers in a SPID gateway's shape (TINIT-…), of nobody.
  const person = (
    { username, display: name }: { username: string | undefined; display: string },
    login: string,
    code: string,
  ) => ({
    username,
    login,
    claims: {
      fiscalNumber: `TINIT-${code}`,
      email: `${login}@demo.invalid`,
      preferred_username: login,
      name,
    },
  });
  return [
    person(DEMO_USERS.admin, 'sso-admin', 'DMOMNS80A01L781X'),
    person(DEMO_USERS.staff, 'sso-staff', 'DMOPRT80A41L781F'),
    person(DEMO_USERS.prefecture, 'sso-prefettura', 'DMOPFT80A01L781S'),
    person(DEMO_USERS.municipality, 'sso-comune', 'DMOCMN80A01L781K'),
    person(DEMO_USERS.gp, 'sso-medico', 'DMOMDC80A01L781P'),
    person(
      { username: undefined, display: 'Sconosciuto (demo)' },
      'sso-sconosciuto',
      'DMOSCN80A01L781V',
    ),
  ];
}

/**
 * Local mode's demo provider on `port`, its identities registered on the demo users (the
 * unregistered one shows the refusal page), and the portal's settings to use it.
 */
export async function startDemoIdentityProvider(
  pool: pg.Pool,
  portalUrl: string,
  port: number,
): Promise<{ running: RunningIdentityProvider; env: Record<string, string>; logins: string[] }> {
  const clientSecret = randomBytes(24).toString('base64url');
  const identities = demoIdentities();
  const running = await startIdentityProvider({
    port,
    identities,
    clients: [
      {
        clientId: DEMO_CLIENT_ID,
        clientSecret,
        redirectUris: [new URL('/login/oidc/callback', portalUrl).href],
        postLogoutRedirectUris: [new URL('/login', portalUrl).href],
      },
    ],
  });
  // The database checks each ID token against this key set (0053); the owner registers it.
  await pool.query("select qdp.identity_provider_set($1, $2, $3, $4, 'local mode')", [
    running.issuer,
    DEMO_CLIENT_ID,
    DEMO_CLAIM,
    running.publicKeySet,
  ]);
  for (const identity of identities) {
    if (!identity.username) continue;
    await pool.query(
      `insert into qdp.user_identities (user_id, issuer, claim, value, registered_by)
       select id, $2, $3, $4, 'local mode' from qdp.users where username = $1
       on conflict (issuer, claim, value) do nothing`,
      // The issuer as the portal names it (a URL's href, as its settings parse it).
      [identity.username, new URL(running.issuer).href, DEMO_CLAIM, identity.claims[DEMO_CLAIM]],
    );
  }
  return {
    running,
    env: {
      QDP_PORTAL_OIDC_ISSUER: running.issuer,
      QDP_PORTAL_OIDC_CLIENT_ID: DEMO_CLIENT_ID,
      QDP_PORTAL_OIDC_CLIENT_SECRET: clientSecret,
      QDP_PORTAL_OIDC_SCOPES: 'openid profile fiscal_number',
      QDP_PORTAL_OIDC_CLAIM: DEMO_CLAIM,
      QDP_PORTAL_OIDC_LABEL: 'SPID / CIE (demo)',
      QDP_PORTAL_PUBLIC_URL: portalUrl,
    },
    logins: identities.map(
      (i) =>
        `${i.login.padEnd(16)} ${i.username ? `→ ${i.username}` : '(not registered: refused)'}`,
    ),
  };
}

/**
 * `npm start`'s single sign-on: the demo provider on a free port (QDP_DEMO_IDP_PORT to choose
 * one), unless the portal is given a provider of its own (QDP_PORTAL_OIDC_ISSUER) or a port
 * chosen at random (its address must be registered at the provider before it starts). Prints how
 * to use it; answers the portal's settings and how to stop it.
 */
export async function startLocalSignIn(
  pool: pg.Pool,
  env: NodeJS.ProcessEnv,
  log: (line: string) => void,
): Promise<{ env: Record<string, string>; close(): Promise<void> }> {
  const none = { env: {}, close: async () => undefined };
  if (env.QDP_PORTAL_OIDC_ISSUER) return none;
  const portalPort = Number(env.QDP_PORTAL_PORT ?? '8080');
  if (!Number.isInteger(portalPort) || portalPort <= 0) {
    log('demo identity provider: not started (QDP_PORTAL_PORT is not a fixed port)');
    return none;
  }
  const portalUrl = `http://127.0.0.1:${portalPort}`;
  const demo = await startDemoIdentityProvider(pool, portalUrl, Number(env.QDP_DEMO_IDP_PORT ?? 0));
  log(`demo identity provider: ${demo.running.issuer} (OpenID Connect, any password)`);
  log('  on the log-in page choose "Accedi con SPID / CIE (demo)" and sign in as:');
  for (const line of demo.logins) log(`    ${line}`);
  return { env: demo.env, close: () => demo.running.close() };
}
