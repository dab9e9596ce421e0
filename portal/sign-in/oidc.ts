// The portal as an OpenID Connect relying party (openid-client, a certified implementation):
// authorization code flow with PKCE (S256), `state` and `nonce`, the ID token checked by the
// library (signature, issuer, audience, expiry, nonce). The provider only says who the person is;
// which platform user that is (role, scope) is the database's answer (DESIGN §14).
import * as client from 'openid-client';
import { z } from 'zod';
import {
  OIDC_CLAIM_NAME,
  OIDC_LABEL_MAX_CHARS,
  OIDC_REQUIRED_SCOPE,
  PORTAL_ENV,
} from '../../contracts/portal-deployment.ts';

/** The callback path the provider redirects to (register `<public URL>/login/oidc/callback`). */
export const OIDC_CALLBACK_PATH = '/login/oidc/callback';
/** Where the provider sends the browser after its own sign-out (register it as well). */
export const OIDC_POST_LOGOUT_PATH = '/login';
/** How long a browser may take at the provider between leaving and coming back. */
export const OIDC_FLOW_MINUTES = 10;

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function secureOrLocal(url: URL): boolean {
  return url.protocol === 'https:' || LOCAL_HOSTS.has(url.hostname);
}

const E = PORTAL_ENV;
const oidcEnvironment = z.object({
  [E.oidcIssuer]: z
    .url({ error: 'must be the issuer URL (https://…)' })
    .refine(
      (v) => !URL.canParse(v) || secureOrLocal(new URL(v)),
      'must use https (plain http only on localhost)',
    ),
  [E.oidcClientId]: z.string().min(1),
  [E.oidcClientSecret]: z.string().min(1),
  [E.oidcScopes]: z
    .string()
    .default(OIDC_REQUIRED_SCOPE)
    .refine(
      (v) => v.split(/\s+/).includes(OIDC_REQUIRED_SCOPE),
      `must include "${OIDC_REQUIRED_SCOPE}"`,
    ),
  [E.oidcClaim]: z
    .string()
    .regex(OIDC_CLAIM_NAME, 'must be a claim name such as fiscalNumber or email'),
  [E.oidcLabel]: z.string().min(1).max(OIDC_LABEL_MAX_CHARS).optional(),
  [E.publicUrl]: z
    .url({ error: 'must be the portal’s address as browsers reach it (https://…)' })
    .refine(
      (v) => !URL.canParse(v) || secureOrLocal(new URL(v)),
      'must use https (plain http only on localhost)',
    ),
});

/** The variables of single sign-on; none set: passwords only. */
export const OIDC_ENVIRONMENT = Object.keys(oidcEnvironment.shape);

export interface OidcSettings {
  issuer: URL;
  clientId: string;
  clientSecret: string;
  scopes: string;
  /** The claim whose value an administrator registers on a platform user. */
  claim: string;
  /** The button's text on the log-in page (the provider's name). */
  label: string | undefined;
  redirectUri: URL;
  postLogoutRedirectUri: URL;
}

/**
 * The single sign-on settings, or undefined when none is set. Some but not all, or a bad value:
 * one problem per variable, each naming it.
 */
export function parseOidcSettings(given: Record<string, string | undefined>): {
  settings: OidcSettings | undefined;
  problems: string[];
} {
  const present = OIDC_ENVIRONMENT.filter(
    (name) => name !== E.publicUrl && given[name] !== undefined,
  );
  if (present.length === 0) return { settings: undefined, problems: [] };
  const parsed = oidcEnvironment.safeParse(
    Object.fromEntries(OIDC_ENVIRONMENT.map((name) => [name, given[name]])),
  );
  if (!parsed.success) {
    return {
      settings: undefined,
      problems: parsed.error.issues.map((issue) => {
        const name = issue.path.join('.');
        return given[name] === undefined
          ? `${name}: is required for single sign-on (set with ${present.join(', ')})`
          : `${name}: ${issue.message}`;
      }),
    };
  }
  const e = parsed.data;
  const base = new URL(e[E.publicUrl]);
  return {
    problems: [],
    settings: {
      issuer: new URL(e[E.oidcIssuer]),
      clientId: e[E.oidcClientId],
      clientSecret: e[E.oidcClientSecret],
      scopes: e[E.oidcScopes].trim().split(/\s+/).join(' '),
      claim: e[E.oidcClaim],
      label: e[E.oidcLabel],
      redirectUri: new URL(OIDC_CALLBACK_PATH, base),
      postLogoutRedirectUri: new URL(OIDC_POST_LOGOUT_PATH, base),
    },
  };
}

/** What the browser carries (in a signed, short-lived cookie) between leaving and coming back. */
export interface OidcFlow {
  state: string;
  nonce: string;
  verifier: string;
  /** The local path to open once signed in. */
  next: string;
  /** Milliseconds since the epoch after which the flow is refused. */
  expires: number;
}

const flowSchema = z.object({
  state: z.string().min(1).max(200),
  nonce: z.string().min(1).max(200),
  verifier: z.string().min(43).max(128),
  next: z.string().max(2000),
  expires: z.number().int(),
});

export function parseFlow(text: string | undefined): OidcFlow | undefined {
  if (!text) return undefined;
  try {
    const flow = flowSchema.safeParse(JSON.parse(text));
    return flow.success && flow.data.expires > Date.now() ? flow.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Why a provider sign-in was refused, as recorded in the audit log. The person sees one page for
 * every protocol failure (nothing to learn from it) and another for an identity not registered.
 */
export type OidcRefusal =
  | 'flow' // no flow cookie, an expired one, or a state that does not match it
  | 'provider' // the provider answered an error (the person cancelled, the code was refused …)
  | 'token' // the ID token did not pass (signature, issuer, audience, expiry, nonce)
  | 'claim' // the ID token lacks the identifying claim
  | 'unavailable'; // the provider could not be reached

export class OidcSignInError extends Error {
  constructor(
    readonly refusal: OidcRefusal,
    message: string,
  ) {
    super(message);
  }
}

export class OidcRelyingParty {
  private configuration: Promise<client.Configuration> | undefined;

  constructor(readonly settings: OidcSettings) {}

  /** The provider's metadata, discovered once; a failure is retried by the next sign-in. */
  private discover(): Promise<client.Configuration> {
    this.configuration ??= client
      .discovery(
        this.settings.issuer,
        this.settings.clientId,
        undefined,
        client.ClientSecretBasic(this.settings.clientSecret),
        this.settings.issuer.protocol === 'http:'
          ? { execute: [client.allowInsecureRequests] }
          : {},
      )
      .catch((error: unknown) => {
        this.configuration = undefined;
        throw new OidcSignInError(
          'unavailable',
          `the identity provider ${this.settings.issuer.href} could not be reached: ${messageOf(error)}`,
        );
      });
    return this.configuration;
  }

  /** Where to send the browser, and what it must bring back. */
  async begin(next: string): Promise<{ url: URL; flow: OidcFlow }> {
    const config = await this.discover();
    const verifier = client.randomPKCECodeVerifier();
    const flow: OidcFlow = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      verifier,
      next,
      expires: Date.now() + OIDC_FLOW_MINUTES * 60_000,
    };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.settings.redirectUri.href,
      scope: this.settings.scopes,
      response_type: 'code',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state: flow.state,
      nonce: flow.nonce,
    });
    return { url, flow };
  }

  /**
   * The identifying claim's value of the person the provider sent back with `callbackUrl`, and the
   * ID token itself, which the database verifies again before it opens a session (0053). The code
   * is exchanged once (a replayed one is the provider's invalid_grant) and the ID token is checked
   * by openid-client (with the state, nonce and PKCE the database cannot see).
   */
  async complete(
    callbackUrl: URL,
    flow: OidcFlow | undefined,
  ): Promise<{ value: string; idToken: string }> {
    if (!flow) throw new OidcSignInError('flow', 'no sign-in was started in this browser');
    // The state first: an answer to another browser's request never reaches the token endpoint.
    if (callbackUrl.searchParams.get('state') !== flow.state) {
      throw new OidcSignInError(
        'flow',
        'the state does not match the sign-in this browser started',
      );
    }
    const config = await this.discover();
    // The provider's answer goes to the registered address, whatever host the request named.
    const current = new URL(this.settings.redirectUri);
    current.search = callbackUrl.search;
    let tokens: Awaited<ReturnType<typeof client.authorizationCodeGrant>>;
    try {
      tokens = await client.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
    } catch (error) {
      throw classify(error);
    }
    const value = tokens.claims()?.[this.settings.claim];
    if (typeof value !== 'string' || value === '' || value.length > 256) {
      throw new OidcSignInError('claim', `the ID token has no "${this.settings.claim}" claim`);
    }
    return { value, idToken: tokens.id_token! };
  }

  /**
   * The provider's key set (JWKS) read from its `jwks_uri`, for an administrator to register in the
   * database (qdp.portal_identity_provider_refresh), which checks ID tokens against it.
   */
  async keySet(): Promise<{ keys: unknown[] }> {
    const config = await this.discover();
    const uri = config.serverMetadata().jwks_uri;
    if (!uri) throw new OidcSignInError('unavailable', 'the provider publishes no jwks_uri');
    const response = await fetch(uri, { signal: AbortSignal.timeout(10_000) }).catch(
      (error: unknown) => {
        throw new OidcSignInError('unavailable', `${uri} could not be read: ${messageOf(error)}`);
      },
    );
    const body = (await response.json().catch(() => undefined)) as { keys?: unknown } | undefined;
    if (!response.ok || !Array.isArray(body?.keys)) {
      throw new OidcSignInError('unavailable', `${uri} answered no key set (${response.status})`);
    }
    return { keys: body.keys };
  }

  /** The provider's sign-out address (RP-initiated logout), when it has one. */
  async endSessionUrl(): Promise<URL | undefined> {
    const config = await this.discover().catch(() => undefined);
    if (!config?.serverMetadata().end_session_endpoint) return undefined;
    return client.buildEndSessionUrl(config, {
      client_id: this.settings.clientId,
      post_logout_redirect_uri: this.settings.postLogoutRedirectUri.href,
    });
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** openid-client's errors by what failed: the state check, the provider's refusal, the token. */
function classify(error: unknown): OidcSignInError {
  if (error instanceof OidcSignInError) return error;
  const e = error as { code?: string; error?: string; message?: string };
  const message = messageOf(error);
  if (
    error instanceof client.AuthorizationResponseError ||
    error instanceof client.ResponseBodyError
  )
    return new OidcSignInError('provider', message);
  if (e.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM' || e.code === 'OAUTH_RESPONSE_IS_NOT_JSON')
    return new OidcSignInError('provider', message);
  if (error instanceof TypeError && /fetch/i.test(message))
    return new OidcSignInError('unavailable', message);
  return new OidcSignInError('token', message);
}
