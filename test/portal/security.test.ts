// The portal's security at the HTTP level: log-in (right, wrong, lock-out, throttling shared by
// every instance), sessions (fixation, log-out, disabled users), CSRF on every form, security
// headers, health.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEALED_REFUSED, SessionSeal } from '../../portal/common.ts';
import { translator } from '../../portal/i18n.ts';
import { PortalClient } from './http-client.ts';
import {
  PASSWORD,
  startAnotherInstance,
  startPortalFixture,
  submitSearch,
  type PortalFixture,
  type RoleKey,
} from './support.ts';

let f: PortalFixture;

beforeAll(async () => {
  f = await startPortalFixture({ rows: 120, held: false });
});

afterAll(async () => {
  await f?.close();
});

const SESSION = 'qdp_session';
const it_ = translator('it');

/** Sets login_attempts_per_minute (as `qdp settings set` does) and forgets earlier attempts. */
async function throttleLimit(perMinute: number): Promise<void> {
  await f.db.pool.query(
    "update qdp.settings set value = $1 where key = 'login_attempts_per_minute'",
    [String(perMinute)],
  );
  await f.db.pool.query('delete from qdp.portal_login_attempts');
}

describe('log-in', () => {
  it('a right password opens a session and redirects to the list; the list then shows the user', async () => {
    const c = new PortalClient(f.url);
    const response = await c.login(f.users.staff.username, PASSWORD);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/quarantene');
    const cookie = response.headers.getSetCookie().find((l) => l.startsWith(`${SESSION}=`))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const list = await c.get('/quarantene');
    expect(list.status).toBe(200);
    expect(await list.text()).toContain('t-staff');
  });

  it('without a session every page redirects to the log-in page', async () => {
    const c = new PortalClient(f.url);
    for (const path of [
      '/quarantene',
      '/cruscotti',
      '/importazioni',
      '/utenti',
      '/registro',
      '/password',
    ]) {
      const r = await c.get(path);
      expect(r.status, path).toBe(303);
      expect(r.headers.get('location'), path).toBe(`/login?next=${encodeURIComponent(path)}`);
    }
  });

  it('a wrong password and an unknown user get the same answer', async () => {
    const c = new PortalClient(f.url);
    const wrong = await c.login(f.users.prefecture.username, 'not-the-password');
    const unknown = await c.login('nobody-here', 'not-the-password');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    const text = (html: string) => /<div class="alert[^>]*>([^<]*)</.exec(html)?.[1];
    expect(text(await wrong.text())).toBe(text(await unknown.text()));
    expect(c.cookies.has(SESSION)).toBe(false);
  });

  it('locks the account after login_max_failures wrong passwords, even for the right one', async () => {
    const c = new PortalClient(f.url);
    const max = Number(
      (await f.db.pool.query("select value from qdp.settings where key = 'login_max_failures'"))
        .rows[0].value,
    );
    for (let i = 1; i < max; i++)
      expect((await c.login(f.users.gp.username, `wrong-${i}`)).status).toBe(401);
    const last = await c.login(f.users.gp.username, 'wrong-last');
    expect(await last.text()).toContain('bloccato');
    const right = await c.login(f.users.gp.username, PASSWORD);
    expect(right.status).toBe(401);
    expect(c.cookies.has(SESSION)).toBe(false);
    const row = await f.db.pool.query(
      'select locked_until > now() as locked from qdp.users where id = $1',
      [f.users.gp.id],
    );
    expect(row.rows[0].locked).toBe(true);
    // An administrator unlocks it.
    await f.db.pool.query(
      'update qdp.users set locked_until = null, failed_logins = 0 where id = $1',
      [f.users.gp.id],
    );
    expect((await c.login(f.users.gp.username, PASSWORD)).status).toBe(303);
  });

  it('throttles log-in attempts per client address, shared by two portal instances on one database; the window passes', async () => {
    const second = await startAnotherInstance(f);
    await throttleLimit(3);
    try {
      const one = new PortalClient(f.url);
      const two = new PortalClient(second.url);
      const statuses: number[] = [];
      for (const c of [one, two, one, two, one])
        statuses.push((await c.login('nobody', 'x')).status);
      expect(statuses).toEqual([401, 401, 401, 429, 429]);
      // The right password is refused too while throttled, on either instance, with the same message.
      for (const c of [one, two]) {
        const refused = await c.login(f.users.admin.username, PASSWORD);
        expect(refused.status).toBe(429);
        expect(await refused.text()).toContain(it_('loginThrottled'));
      }
      // A minute later the address may try again.
      await f.db.pool.query(
        "update qdp.portal_login_attempts set at = now() - interval '61 seconds'",
      );
      expect((await two.login(f.users.admin.username, PASSWORD)).status).toBe(303);
    } finally {
      await throttleLimit(1000);
      await second.close();
    }
  });

  it('concurrent log-ins racing on two instances: exactly the limit gets through', async () => {
    const second = await startAnotherInstance(f);
    await throttleLimit(4);
    try {
      const clients = Array.from(
        { length: 12 },
        (_, i) => new PortalClient(i % 2 === 0 ? f.url : second.url),
      );
      // CSRF tokens first (a GET is not an attempt), then every attempt at once.
      const tokens = await Promise.all(clients.map((c) => c.csrf('/login')));
      const statuses = await Promise.all(
        clients.map((c, i) =>
          c.request('POST', '/login', { username: 'nobody', password: 'x', _csrf: tokens[i]! }),
        ),
      ).then((responses) => responses.map((r) => r.status));
      expect(statuses.filter((s) => s === 401).length).toBe(4);
      expect(statuses.filter((s) => s === 429).length).toBe(8);
    } finally {
      await throttleLimit(1000);
      await second.close();
    }
  });
});

describe('sessions', () => {
  it('a session token planted before log-in is not kept (no session fixation)', async () => {
    const made = new PortalClient(f.url);
    const madeToken = await made.csrf('/login');
    made.cookies.set(SESSION, 'A'.repeat(43));
    await made.request('POST', '/login', {
      username: f.users.staff.username,
      password: PASSWORD,
      _csrf: madeToken,
    });
    expect(made.cookies.get(SESSION)).not.toBe('A'.repeat(43));

    const attacker = new PortalClient(f.url);
    await attacker.login(f.users.staff.username, PASSWORD);
    const planted = attacker.cookies.get(SESSION)!;
    const victim = new PortalClient(f.url);
    const token = await victim.csrf('/login');
    victim.cookies.set(SESSION, planted);
    const response = await victim.request('POST', '/login', {
      username: f.users.prefecture.username,
      password: PASSWORD,
      _csrf: token,
    });
    expect(response.status).toBe(303);
    const issued = victim.cookies.get(SESSION)!;
    expect(issued).not.toBe(planted);
    // The planted token is ended: it opens nothing now.
    expect((await attacker.get('/quarantene')).status).toBe(303);
    expect(await (await victim.get('/quarantene')).text()).toContain('t-prefecture');
  });

  it('log-out ends the session on the server', async () => {
    const c = new PortalClient(f.url);
    await c.login(f.users.staff.username, PASSWORD);
    const token = c.cookies.get(SESSION)!;
    expect((await c.post('/logout', {})).status).toBe(303);
    const replay = new PortalClient(f.url);
    replay.cookies.set(SESSION, token);
    expect((await replay.get('/quarantene')).status).toBe(303);
  });

  it('disabling a user ends their sessions at once', async () => {
    const c = new PortalClient(f.url);
    await c.login(f.users.municipality.username, PASSWORD);
    expect((await c.get('/quarantene')).status).toBe(200);
    await f.db.pool.query('update qdp.users set disabled = true where id = $1', [
      f.users.municipality.id,
    ]);
    try {
      expect((await c.get('/quarantene')).status).toBe(303);
    } finally {
      await f.db.pool.query('update qdp.users set disabled = false where id = $1', [
        f.users.municipality.id,
      ]);
    }
  });

  it('a session ends after session_idle_minutes without requests, and session_max_hours after log-in', async () => {
    for (const column of ['last_seen_at', 'created_at'] as const) {
      const c = new PortalClient(f.url);
      await c.login(f.users.staff.username, PASSWORD);
      expect((await c.get('/quarantene')).status).toBe(200);
      const age =
        column === 'last_seen_at' ? "interval '31 minutes'" : "interval '12 hours 1 minute'";
      await f.db.pool.query(
        `update qdp.portal_sessions set ${column} = now() - ${age} where user_id = $1 and ${column} > now() - interval '1 minute'`,
        [f.users.staff.id],
      );
      expect((await c.get('/quarantene')).status, column).toBe(303);
    }
  });

  it('stores the SHA-256 of a session token, never the token', async () => {
    const before = (await f.db.pool.query<{ t: Date }>('select clock_timestamp() as t')).rows[0]!.t;
    const c = new PortalClient(f.url);
    await c.login(f.users.prefecture.username, PASSWORD);
    const token = c.cookies.get(SESSION)!;
    // The one session this log-in opened.
    const { rows } = await f.db.pool.query<{ user_id: string; token_hash: Buffer }>(
      'select user_id, token_hash from qdp.portal_sessions where user_id = $1 and created_at >= $2',
      [f.users.prefecture.id, before],
    );
    expect(rows).toEqual([
      {
        user_id: String(f.users.prefecture.id),
        token_hash: createHash('sha256').update(token).digest(),
      },
    ]);
    const raw = await f.db.pool.query(
      "select count(*) as n from qdp.portal_sessions where position(convert_to($1, 'UTF8') in token_hash) > 0",
      [token],
    );
    expect(raw.rows).toEqual([{ n: '0' }]);
  });
});

describe('CSRF', () => {
  it('refuses every form post without a valid token', async () => {
    const c = new PortalClient(f.url);
    await c.login(f.users.admin.username, PASSWORD);
    const posts: [string, Record<string, string>][] = [
      ['/logout', {}],
      ['/password', { current: PASSWORD, password: 'x'.repeat(20), confirm: 'x'.repeat(20) }],
      ['/quarantene', { q: 'ROSSI' }],
      ['/quarantene/export', {}],
      ['/registro', { fiscal_code: '' }],
      [`/importazioni/${f.imports[0]}/rollback`, {}],
      [
        '/utenti',
        { username: 'csrf-victim', display_name: 'x', role: 'staff', password: 'y'.repeat(20) },
      ],
      [`/utenti/${f.users.staff.id}/disable`, {}],
    ];
    for (const [path, form] of posts) {
      const missing = await c.request('POST', path, form);
      expect(missing.status, `${path} without token`).toBe(403);
      const forged = await c.request('POST', path, { ...form, _csrf: 'forged-token' });
      expect(forged.status, `${path} with a forged token`).toBe(403);
    }
    const login = await new PortalClient(f.url).request('POST', '/login', {
      username: 'x',
      password: 'y',
    });
    expect(login.status).toBe(403);
    // Nothing happened.
    const users = await f.db.pool.query(
      "select count(*)::int as n from qdp.users where username = 'csrf-victim' or (id = $1 and disabled)",
      [f.users.staff.id],
    );
    expect(users.rows[0].n).toBe(0);
    expect((await c.get('/quarantene')).status).toBe(200);
  });

  it('a token from another browser does not work', async () => {
    const a = new PortalClient(f.url);
    await a.login(f.users.admin.username, PASSWORD);
    const tokenOfA = await a.csrf('/quarantene');
    const b = new PortalClient(f.url);
    await b.login(f.users.admin.username, PASSWORD);
    const r = await b.request('POST', `/utenti/${f.users.staff.id}/disable`, { _csrf: tokenOfA });
    expect(r.status).toBe(403);
  });
});

describe('no fiscal code or name in a URL', () => {
  const ROLES: RoleKey[] = ['admin', 'staff', 'prefecture', 'municipality', 'gp'];
  /** Most pages one role's crawl visits (the list's pages, a few patients, every other page). */
  const MAX_VISITS = 150;
  /** Patient pages followed from each list page (their links are all checked). */
  const PATIENTS_PER_PAGE = 3;

  /** Every person of every import: fiscal codes, and the words of surnames and names. */
  async function everyone(): Promise<{ codes: string[]; words: Set<string> }> {
    const { rows } = await f.db.pool.query<{ fiscal_code: string; surname: string; name: string }>(
      'select distinct fiscal_code, surname, name from qdp.quarantines',
    );
    const words = new Set<string>();
    for (const r of rows)
      for (const w of `${r.surname} ${r.name}`.split(/[^A-Z]+/)) if (w) words.add(w);
    return { codes: rows.map((r) => r.fiscal_code), words };
  }

  /**
   * The problems of one URL: a fiscal code anywhere in it (sealed values are random: a 16-letter
   * code cannot appear there by chance), a surname or name as a word of its plain parts, or a
   * sealed value that is not ciphertext (too short to hold IV, tag and text).
   */
  function problems(url: string, people: { codes: string[]; words: Set<string> }): string[] {
    const found: string[] = [];
    const parsed = new URL(url, f.url);
    const whole = decodeURIComponent(parsed.pathname + parsed.search).toUpperCase();
    for (const code of people.codes) if (whole.includes(code)) found.push(`fiscal code in ${url}`);
    const sealed: string[] = [];
    const segments = parsed.pathname.split('/');
    if (segments[1] === 'persone' && segments[2]) sealed.push(segments.splice(2, 1)[0]!);
    const plain = [...segments];
    for (const [key, value] of parsed.searchParams) {
      plain.push(key);
      if (key === 'sealed') sealed.push(value);
      else if (key === 'next') plain.push(...problems(value, people));
      else plain.push(value);
    }
    for (const part of plain)
      for (const w of part.toUpperCase().split(/[^A-Z]+/))
        if (people.words.has(w)) found.push(`name "${w}" in ${url}`);
    for (const value of sealed)
      if (!/^[A-Za-z0-9_-]+$/.test(value) || Buffer.from(value, 'base64url').length <= 28)
        found.push(`not a sealed value: ${url}`);
    return found;
  }

  it('no href, form action or Location of any page of any role carries a fiscal code or a name', async () => {
    const people = await everyone();
    const checked = new Set<string>();
    const found: string[] = [];
    const check = (url: string) => {
      checked.add(url);
      found.push(...problems(url, people));
    };
    for (const role of ROLES) {
      const c = new PortalClient(f.url);
      const login = await c.login(f.users[role].username, PASSWORD);
      check(login.headers.get('location')!);
      const queue = ['/quarantene', '/cruscotti', '/importazioni', '/password'];
      if (role === 'admin') queue.push('/utenti', '/registro');
      // The forms that carry personal data, filled as a user would: a surname, a fiscal code.
      const first = (
        await f.db.pool.query(
          `select fiscal_code, surname from qdp.quarantines where import_id = qdp.latest_import_id()
           and ($1 <> 'municipality' or residence_istat = $2) and ($1 <> 'gp' or gp_code = $3)
           order by fiscal_code limit 1`,
          [role, f.istat, f.gp],
        )
      ).rows[0];
      for (const q of [first.surname, first.fiscal_code, first.surname.slice(0, 1)]) {
        const { location, page } = await submitSearch(c, '/quarantene', { q, sort: 'surname' });
        check(location);
        expect(page.status, `${role} search ${q.length}`).toBe(200);
        queue.push(location);
      }
      if (role === 'admin') {
        const forms: Record<string, string>[] = [
          { fiscal_code: first.fiscal_code },
          { user: f.users.gp.username, action: 'login' },
        ];
        for (const form of forms) {
          const { location, page } = await submitSearch(c, '/registro', form);
          check(location);
          expect(page.status).toBe(200);
          queue.push(location);
        }
      }
      const visited = new Set<string>();
      let patients = 0;
      while (queue.length > 0 && visited.size < MAX_VISITS) {
        const path = queue.shift()!;
        if (visited.has(path)) continue;
        visited.add(path);
        const r = await c.get(path);
        const location = r.headers.get('location');
        if (location) {
          check(location);
          queue.push(location);
        }
        if (!(r.headers.get('content-type') ?? '').startsWith('text/html')) continue;
        expect(r.status, `${role} ${path}`).toBe(200);
        const html = await r.text();
        let patientsHere = 0;
        for (const m of html.matchAll(/\s(href|action)="([^"]*)"/g)) {
          const url = m[2]!.replaceAll('&amp;', '&');
          check(url);
          if (m[1] !== 'href' || !url.startsWith('/') || url.startsWith('/static/')) continue;
          if (url.includes('lang=') || url.endsWith('.csv')) continue;
          if (url.startsWith('/persone/')) {
            if (patientsHere++ >= PATIENTS_PER_PAGE) continue;
            patients++;
          }
          queue.push(url);
        }
      }
      expect(patients, role).toBeGreaterThan(0);
      // Roles with more rows than a page also crawled the pager (page 2 carries the filters).
      const scope = await f.db.pool.query(
        `select count(*)::int as n from qdp.quarantines where import_id = qdp.latest_import_id()
         and ($1 <> 'municipality' or residence_istat = $2) and ($1 <> 'gp' or gp_code = $3)`,
        [role, f.istat, f.gp],
      );
      expect(
        [...visited].some((p) => p.includes('page=2')),
        `${role} paged`,
      ).toBe(scope.rows[0].n > f.config.pageSize);
    }
    // A signed-out visit to a patient link: the log-in redirect carries only the sealed path.
    const anonymous = new PortalClient(f.url);
    const staff = new PortalClient(f.url);
    await staff.login(f.users.staff.username, PASSWORD);
    const link = /href="(\/persone\/[^"]+)"/.exec(
      await (await staff.get('/quarantene')).text(),
    )![1]!;
    const redirected = await anonymous.get(link);
    expect(redirected.status).toBe(303);
    check(redirected.headers.get('location')!);
    expect(found).toEqual([]);
    expect(checked.size).toBeGreaterThan(100);
  }, 240_000);

  it('a sealed value altered, from another session or for another purpose opens nothing', async () => {
    const people = await everyone();
    const c = new PortalClient(f.url);
    await c.login(f.users.staff.username, PASSWORD);
    const seal = new SessionSeal(f.config.cookieSecret, c.cookies.get(SESSION)!);
    const person = (
      await f.db.pool.query(
        'select fiscal_code, surname from qdp.quarantines where import_id = qdp.latest_import_id() order by fiscal_code limit 1',
      )
    ).rows[0];
    const views = async () =>
      Number(
        (
          await f.db.pool.query(
            "select count(*) as n from qdp.audit_log where action = 'patient.view' and fiscal_code = $1",
            [person.fiscal_code],
          )
        ).rows[0].n,
      );
    // The same sealing as the portal's: this session's patient link opens the page.
    const before = await views();
    const good = seal.seal('patient', person.fiscal_code);
    expect((await c.get(`/persone/${good}`)).status).toBe(200);
    const flipped = (value: string, at: number) =>
      value.slice(0, at) + (value[at] === 'A' ? 'B' : 'A') + value.slice(at + 1);
    const other = new PortalClient(f.url);
    await other.login(f.users.staff.username, PASSWORD);
    const otherSeal = new SessionSeal(f.config.cookieSecret, other.cookies.get(SESSION)!);
    const refused = [
      flipped(good, 0), // the IV
      flipped(good, 20), // the text
      flipped(good, good.length - 2), // the tag
      good.slice(0, -4),
      otherSeal.seal('patient', person.fiscal_code), // another session's link
      seal.seal('list-search', person.fiscal_code), // another purpose
      new SessionSeal('y'.repeat(32), c.cookies.get(SESSION)!).seal('patient', person.fiscal_code),
      'A'.repeat(99), // well-formed, not sealed
    ];
    for (const value of refused) {
      const r = await c.get(`/persone/${value}`);
      expect(r.status, value).toBe(404);
      const html = await r.text();
      expect(html).not.toContain(person.fiscal_code);
      expect(html).not.toContain(person.surname);
    }
    // The old plain link is no link either (the error page repeats only what was asked).
    const plainLink = await c.get(`/persone/${person.fiscal_code}`);
    expect(plainLink.status).toBe(404);
    expect(await plainLink.text()).not.toContain(person.surname);
    // Only the one real view is audited (its commit follows the page: read after the others).
    expect(await views()).toBe(before + 1);
    // The list's and the audit view's sealed filters: a 400 that names nothing they held.
    const search = new URL(
      (await submitSearch(c, '/quarantene', { q: person.surname })).location,
      f.url,
    );
    for (const [path, value] of [
      ['/quarantene', flipped(search.searchParams.get('sealed')!, 30)],
      ['/quarantene', otherSeal.seal('list-search', person.surname)],
      ['/quarantene', 'A'.repeat(2000)],
      ['/quarantene/export', flipped(search.searchParams.get('sealed')!, 30)],
    ] as const) {
      const r =
        path === '/quarantene'
          ? await c.get(`${path}?sealed=${value}`)
          : await c.post(`${path}?sealed=${value}`, {});
      expect(r.status, path).toBe(400);
      const html = await r.text();
      expect(html).toContain(SEALED_REFUSED);
      expect(html).not.toContain(person.surname);
    }
    const admin = new PortalClient(f.url);
    await admin.login(f.users.admin.username, PASSWORD);
    const filtered = new URL(
      (await submitSearch(admin, '/registro', { fiscal_code: person.fiscal_code })).location,
      f.url,
    );
    const tampered = await admin.get(
      `/registro?sealed=${flipped(filtered.searchParams.get('sealed')!, 25)}`,
    );
    expect(tampered.status).toBe(400);
    expect(await tampered.text()).not.toContain(person.fiscal_code);
    const plain = await admin.get(`/registro?fiscal_code=${person.fiscal_code}`);
    expect(plain.status).toBe(400);
    expect(await plain.text()).toContain('fiscal_code: sent with the filter form only');
    expect(problems(search.toString(), people)).toEqual([]);
  });
});

describe('headers', () => {
  it('sends a strict Content-Security-Policy and the other security headers on every page', async () => {
    const c = new PortalClient(f.url);
    for (const path of ['/login', '/quarantene', '/does-not-exist']) {
      const r = await c.get(path);
      const csp = r.headers.get('content-security-policy')!;
      expect(csp, path).toContain("default-src 'self'");
      expect(csp, path).toContain("script-src 'self'");
      expect(csp, path).not.toContain('unsafe-inline');
      expect(csp, path).not.toContain('unsafe-eval');
      expect(csp, path).toContain("frame-ancestors 'none'");
      expect(csp, path).toContain("object-src 'none'");
      expect(r.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(r.headers.get('x-frame-options'), path).toBe('SAMEORIGIN');
      expect(r.headers.get('referrer-policy'), path).toBe('no-referrer');
    }
  });

  it('pages carry no inline script', async () => {
    const c = new PortalClient(f.url);
    await c.login(f.users.admin.username, PASSWORD);
    for (const path of ['/quarantene', '/cruscotti', '/importazioni', '/utenti', '/registro']) {
      const html = await (await c.get(path)).text();
      for (const tag of html.match(/<script[^>]*>/g) ?? []) {
        expect(tag, path).toMatch(/src="\/static\/|type="application\/json"/);
      }
      expect(html, path).not.toMatch(/\son[a-z]+=/i);
      expect(html, path).not.toMatch(/style="/);
    }
  });

  it('personal pages are not cached', async () => {
    const c = new PortalClient(f.url);
    await c.login(f.users.staff.username, PASSWORD);
    expect((await c.get('/quarantene')).headers.get('cache-control')).toBe('no-store');
  });
});

describe('health', () => {
  it('GET /healthz answers ok while the database answers', async () => {
    const r = await fetch(new URL('/healthz', f.url));
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ status: 'ok' });
  });
});
