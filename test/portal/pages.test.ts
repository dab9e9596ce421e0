// The portal's pages at the HTTP level, beyond what the browser tests cover: input validation,
// the administrator's users and imports actions, changing one's password, roles narrowed to
// aggregates (no rows, small counts suppressed), list filters.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PortalClient } from './http-client.ts';
import {
  PASSWORD,
  startAnotherInstance,
  startPortalFixture,
  submitSearch,
  type PortalFixture,
} from './support.ts';

let f: PortalFixture;

beforeAll(async () => {
  f = await startPortalFixture({ rows: 200 });
});

afterAll(async () => {
  await f?.close();
});

async function as(role: keyof PortalFixture['users']): Promise<PortalClient> {
  const c = new PortalClient(f.url);
  expect((await c.login(f.users[role].username, PASSWORD)).status).toBe(303);
  return c;
}

const listCodes = (html: string) =>
  [...html.matchAll(/<tr data-fiscal-code="([A-Z0-9]+)"/g)].map((m) => m[1]);

describe('the list', () => {
  it('a bad filter is a 400 that names it', async () => {
    const c = await as('staff');
    const r = await c.get('/quarantene?municipality=abc&from=2021-13-45');
    expect(r.status).toBe(400);
    const html = await r.text();
    expect(html).toContain('municipality must be a 6-digit ISTAT code');
    expect(html).toContain('from');
  });

  it('an error page never repeats a hand-typed URL (it may hold a fiscal code or a name)', async () => {
    const c = await as('staff');
    const typed = [
      '/persone/RSSMRA80A01H501U',
      '/quarantene?q=ROSSI',
      '/quarantene?municipality=RSSMRA80A01H501U',
      '/nowhere/RSSMRA80A01H501U?name=ROSSI',
    ];
    for (const url of typed) {
      const r = await c.get(url);
      expect(r.status, url).toBeGreaterThanOrEqual(400);
      const html = await r.text();
      expect(html, url).not.toContain('RSSMRA80A01H501U');
      expect(html, url).not.toContain('ROSSI');
    }
  });

  it('filters and sorts as the same SQL would, and pages without overlap', async () => {
    const c = await as('staff');
    const latest = Number(
      (await f.db.pool.query('select qdp.latest_import_id() as id')).rows[0].id,
    );
    const expected = await f.db.pool.query(
      `select fiscal_code from qdp.quarantines where import_id = $1 and residence_istat = $2 and reason = 'CONTATTO'
       order by end_date desc, fiscal_code desc`,
      [latest, f.istat],
    );
    const all = expected.rows.map((r) => r.fiscal_code);
    expect(all.length).toBeGreaterThan(0);
    const page1 = listCodes(
      await (
        await c.get(`/quarantene?municipality=${f.istat}&reason=CONTATTO&sort=end_date&dir=desc`)
      ).text(),
    );
    expect(page1).toEqual(all.slice(0, 50));
    const byName = await f.db.pool.query(
      'select surname from qdp.quarantines where import_id = $1 order by fiscal_code limit 1',
      [latest],
    );
    const surname = byName.rows[0].surname as string;
    const searched = await submitSearch(c, '/quarantene', { q: surname.toLowerCase() });
    const found = listCodes(await searched.page.text());
    const direct = await f.db.pool.query(
      "select fiscal_code from qdp.quarantines where import_id = $1 and (surname like $2 or name like $2 or fiscal_code like $2 or (surname || ' ' || name) like $2) order by fiscal_code limit 50",
      [latest, `${surname}%`],
    );
    expect(found).toEqual(direct.rows.map((r) => r.fiscal_code));
    // LIKE wildcards in the search are literal.
    const wildcard = await submitSearch(c, '/quarantene', { q: '%' });
    expect(listCodes(await wildcard.page.text())).toEqual([]);
    const total = Number(
      (
        await f.db.pool.query('select count(*) as n from qdp.quarantines where import_id = $1', [
          latest,
        ])
      ).rows[0].n,
    );
    const seen = new Set<string>();
    for (let page = 1; page <= Math.ceil(total / 50); page++) {
      for (const code of listCodes(await (await c.get(`/quarantene?page=${page}`)).text()))
        seen.add(code!);
    }
    expect(seen.size).toBe(total);
  });

  it('the search is posted and comes back sealed; filters, sort and page stay plain and paging keeps them all', async () => {
    // Another instance on the same database with pages of 10 rows, so that a search has pages.
    const small = await startAnotherInstance(f, { pageSize: 10 });
    const c = new PortalClient(small.url);
    expect((await c.login(f.users.staff.username, PASSWORD)).status).toBe(303);
    try {
      const latest = Number(
        (await f.db.pool.query('select qdp.latest_import_id() as id')).rows[0].id,
      );
      // A one-letter prefix: enough rows for several pages.
      const letter = (
        await f.db.pool.query(
          `select l from qdp.quarantines, unnest(array[left(surname, 1), left(name, 1)]) as l
         where import_id = $1 group by l order by count(distinct fiscal_code) desc, l limit 1`,
          [latest],
        )
      ).rows[0].l as string;
      const expected = (
        await f.db.pool.query(
          `select fiscal_code from qdp.quarantines where import_id = $1
           and (surname like $2 or name like $2 or fiscal_code like $2 or (surname || ' ' || name) like $2)
         order by start_date desc, fiscal_code desc`,
          [latest, `${letter}%`],
        )
      ).rows.map((r) => r.fiscal_code as string);
      expect(expected.length).toBeGreaterThan(20);
      const { location, page } = await submitSearch(c, '/quarantene', {
        q: letter,
        municipality: '',
        sort: 'start_date',
        dir: 'desc',
      });
      const url = new URL(location, c.base);
      expect(url.pathname).toBe('/quarantene');
      expect([...url.searchParams.keys()].sort()).toEqual(['dir', 'page', 'sealed', 'sort']);
      expect(url.searchParams.get('sort')).toBe('start_date');
      const html = await page.text();
      expect(listCodes(html)).toEqual(expected.slice(0, 10));
      // The next page keeps the sealed search and the sort.
      const next = /rel="next" href="([^"]+)"/.exec(html)![1]!.replaceAll('&amp;', '&');
      expect(new URL(next, c.base).searchParams.get('page')).toBe('2');
      expect(listCodes(await (await c.get(next)).text())).toEqual(expected.slice(10, 20));
      // A plain search in the URL is refused: it would sit in access logs.
      const plain = await c.get(`/quarantene?q=${letter}`);
      expect(plain.status).toBe(400);
      expect(await plain.text()).toContain('q: a search is sent with the search form only');
      // A bad value in the form is a 400 naming it, before any redirect.
      const bad = await c.post('/quarantene', { q: letter, from: '2021-13-45' }, '/quarantene');
      expect(bad.status).toBe(400);
      expect(await bad.text()).toContain('from');
    } finally {
      await small.close();
    }
  });

  it('an administrator may list an earlier import; others may not ask', async () => {
    const admin = await as('admin');
    const older = await f.db.pool.query(
      'select fiscal_code from qdp.quarantines where import_id = $1 order by fiscal_code limit 50',
      [f.imports[0]],
    );
    const html = await (await admin.get(`/quarantene?import=${f.imports[0]}`)).text();
    expect(listCodes(html)).toEqual(older.rows.map((r) => r.fiscal_code));
    const staff = await as('staff');
    const refused = await staff.get(`/quarantene?import=${f.imports[0]}`);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('import: only administrators choose the import');
  });

  it('the Prefecture cannot filter or sort by what it may not read', async () => {
    const c = await as('prefecture');
    expect((await c.get('/quarantene?reason=POSITIVO')).status).toBe(400);
    const html = await (await c.get('/quarantene')).text();
    expect(html).not.toContain('name="reason"');
  });
});

describe('roles narrowed to aggregates', () => {
  /** The by-municipality chart of `c`'s dashboards: the value and the data table's cell. */
  async function ownMunicipalityCount(
    c: PortalClient,
  ): Promise<{ value: number | null; cell: string }> {
    const html = await (await c.get('/cruscotti')).text();
    const json = JSON.parse(
      /<script type="application\/json" id="chart-data">([^<]*)<\/script>/.exec(html)![1]!,
    ) as { charts: { id: string; series: { data: (number | null)[] }[] }[] };
    const chart = json.charts.find((x) => x.id === 'by-municipality')!;
    const table = /<table[^>]*data-testid="table-by-municipality">(.*?)<\/table>/s.exec(html)![1]!;
    const cells = [...table.matchAll(/<td>([^<]*)<\/td>/g)].map((m) => m[1]!);
    expect(chart.series[0]!.data).toHaveLength(1);
    expect(cells).toHaveLength(1);
    return { value: chart.series[0]!.data[0]!, cell: cells[0]! };
  }

  it('see no rows, and a count is suppressed exactly when it is below dashboard_min_count', async () => {
    // A municipality with a handful of people (as close to 5, the setting's default, as the data
    // allow): thresholds one below, at and one above its count.
    const { rows } = await f.db.pool.query<{ istat: string; people: string }>(
      `select residence_istat as istat, count(*) as people from qdp.quarantines
       where import_id = qdp.latest_import_id() group by 1 having count(*) >= 2
       order by abs(count(*) - 5), 1 limit 1`,
    );
    const { istat } = rows[0]!;
    const people = Number(rows[0]!.people);
    expect(people).toBeGreaterThanOrEqual(2);
    expect(people).toBeLessThanOrEqual(10);
    await f.db.pool.query(
      `insert into qdp.users (username, display_name, role, istat_code, password_hash, password_verifier)
       select 't-small-municipality', 'Small municipality', 'municipality', $1, password_hash, password_verifier
       from qdp.users where id = $2`,
      [istat, f.users.municipality.id],
    );
    await f.db.pool.query(
      "update qdp.roles set aggregates_only = true where name = 'municipality'",
    );
    const setThreshold = (n: number) =>
      f.db.pool.query("update qdp.settings set value = $1 where key = 'dashboard_min_count'", [
        String(n),
      ]);
    try {
      const c = new PortalClient(f.url);
      expect((await c.login('t-small-municipality', PASSWORD)).status).toBe(303);
      expect(listCodes(await (await c.get('/quarantene')).text())).toEqual([]);
      await setThreshold(people - 1);
      expect(await ownMunicipalityCount(c)).toEqual({ value: people, cell: String(people) });
      await setThreshold(people);
      expect(await ownMunicipalityCount(c)).toEqual({ value: people, cell: String(people) });
      await setThreshold(people + 1);
      expect(await ownMunicipalityCount(c)).toEqual({ value: null, cell: `&lt; ${people + 1}` });
      // A role with row access sees the exact count under the same threshold.
      await f.db.pool.query(
        "update qdp.roles set aggregates_only = false where name = 'municipality'",
      );
      expect(await ownMunicipalityCount(c)).toEqual({ value: people, cell: String(people) });
    } finally {
      await f.db.pool.query(
        "update qdp.roles set aggregates_only = false where name = 'municipality'",
      );
      await setThreshold(5);
    }
  });
});

describe('users (admin)', () => {
  it('creates a municipality user bound to an ISTAT code, who then logs in and sees that scope', async () => {
    const admin = await as('admin');
    const missing = await admin.post(
      '/utenti',
      {
        username: 'new.comune',
        display_name: 'Nuovo',
        role: 'municipality',
        password: 'a-long-password-1',
      },
      '/utenti',
    );
    expect(missing.status).toBe(400);
    expect(await missing.text()).toContain('a municipality user needs a 6-digit ISTAT code');
    const short = await admin.post(
      '/utenti',
      {
        username: 'new.comune',
        display_name: 'Nuovo',
        role: 'municipality',
        istat_code: f.istat,
        password: 'short',
      },
      '/utenti',
    );
    expect(short.status).toBe(400);
    const created = await admin.post(
      '/utenti',
      {
        username: 'new.comune',
        display_name: 'Nuovo',
        role: 'municipality',
        istat_code: f.istat,
        password: 'a-long-password-1',
      },
      '/utenti',
    );
    expect(created.status).toBe(200);
    const again = await admin.post(
      '/utenti',
      {
        username: 'new.comune',
        display_name: 'Nuovo',
        role: 'municipality',
        istat_code: f.istat,
        password: 'a-long-password-1',
      },
      '/utenti',
    );
    expect(await again.text()).toContain('username: already taken');
    const user = new PortalClient(f.url);
    expect((await user.login('new.comune', 'a-long-password-1')).status).toBe(303);
    const latest = Number(
      (await f.db.pool.query('select qdp.latest_import_id() as id')).rows[0].id,
    );
    const mine = await f.db.pool.query(
      'select fiscal_code from qdp.quarantines where import_id = $1 and residence_istat = $2 order by fiscal_code limit 50',
      [latest, f.istat],
    );
    expect(listCodes(await (await user.get('/quarantene')).text())).toEqual(
      mine.rows.map((r) => r.fiscal_code),
    );

    const id = Number(
      (await f.db.pool.query("select id from qdp.users where username = 'new.comune'")).rows[0].id,
    );
    expect(
      (await admin.post(`/utenti/${id}/password`, { password: 'another-long-password' }, '/utenti'))
        .status,
    ).toBe(303);
    expect((await user.get('/quarantene')).status).toBe(303); // reset ends the sessions
    expect((await user.login('new.comune', 'a-long-password-1')).status).toBe(401);
    expect((await user.login('new.comune', 'another-long-password')).status).toBe(303);
    expect((await admin.post(`/utenti/${id}/disable`, {}, '/utenti')).status).toBe(303);
    expect((await user.get('/quarantene')).status).toBe(303);
    expect(
      (await new PortalClient(f.url).login('new.comune', 'another-long-password')).status,
    ).toBe(401);
    const audit = await f.db.pool.query(
      "select action from qdp.audit_log where action like 'user.%' order by id",
    );
    expect(audit.rows.map((r) => r.action)).toEqual([
      'user.create',
      'user.password',
      'user.disable',
    ]);
  });

  it("other roles get 403 on the administrators' pages and actions", async () => {
    const staff = await as('staff');
    expect((await staff.get('/utenti')).status).toBe(403);
    expect((await staff.get('/registro')).status).toBe(403);
    expect((await staff.get(`/importazioni/${f.imports[0]}/scarti.csv`)).status).toBe(403);
    expect((await staff.post(`/importazioni/${f.imports[0]}/rollback`, {})).status).toBe(403);
  });
});

describe('imports (admin)', () => {
  it('a wrong-state action shows the lifecycle message; rollback moves the latest and is audited', async () => {
    const admin = await as('admin');
    const wrong = await admin.post(`/importazioni/${f.imports[2]}/discard`, {}, '/importazioni');
    expect(wrong.status).toBe(303);
    expect(decodeURIComponent(wrong.headers.get('location')!)).toBe(
      `/importazioni?failed=import ${f.imports[2]} is published, only a held import can be discarded`,
    );
    const back = await admin.post(`/importazioni/${f.imports[0]}/rollback`, {}, '/importazioni');
    expect(back.headers.get('location')).toBe('/importazioni?done=1');
    expect(Number((await f.db.pool.query('select qdp.latest_import_id() as id')).rows[0].id)).toBe(
      f.imports[0],
    );
    const staff = await as('staff');
    expect(await (await staff.get('/quarantene')).text()).toContain(
      `importazione ${f.imports[0]} `,
    );
    await admin.post(`/importazioni/${f.imports[2]}/rollback`, {}, '/importazioni');
    const discard = await admin.post(`/importazioni/${f.heldImport}/discard`, {}, '/importazioni');
    expect(discard.headers.get('location')).toBe('/importazioni?done=1');
    const audit = await f.db.pool.query(
      "select action, import_id::int from qdp.audit_log where action like 'import.%' order by id",
    );
    expect(audit.rows).toEqual([
      { action: 'import.rollback', import_id: f.imports[0] },
      { action: 'import.rollback', import_id: f.imports[2] },
      { action: 'import.discard', import_id: f.heldImport },
    ]);
  });

  it('the rejects report downloads every reject of the import, and the download is audited', async () => {
    const admin = await as('admin');
    const r = await admin.get(`/importazioni/${f.imports[0]}/scarti.csv`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await r.text())
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    const { rows } = await f.db.pool.query<{ line: string }>(
      `select concat_ws(';', line_no, field, reason) as line from qdp.rejects where import_id = $1
       order by line_no, field`,
      [f.imports[0]],
    );
    expect(rows.length).toBeGreaterThan(0);
    // None of these reasons needs neutralising (hostile.test.ts downloads ones that do).
    expect(lines).toEqual(['line;field;reason', ...rows.map((x) => x.line)]);
    const audit = await f.db.pool.query(
      `select username, action, import_id, detail from qdp.audit_log
       where action = 'rejects.export' and import_id = $1`,
      [f.imports[0]],
    );
    expect(audit.rows).toEqual([
      {
        username: f.users.admin.username,
        action: 'rejects.export',
        import_id: String(f.imports[0]),
        detail: { rows: rows.length },
      },
    ]);
  });

  it('pages the history newest first, keeps the page through an action, and refuses a bad page', async () => {
    // More imports than two pages: a run of rejected files, as the lifecycle records them.
    await f.db.pool.query(
      `select qdp.reject_import(r.import_id, 'the file has no data rows')
       from generate_series(1, 110) g,
         qdp.register_import('extra-' || g || '.csv', encode(sha256(('extra-' || g)::bytea), 'hex'), 10) r`,
    );
    const size = f.config.pageSize;
    const ids = (
      await f.db.pool.query<{ id: number }>('select id::int from qdp.imports order by id desc')
    ).rows.map((r) => r.id);
    expect(ids.length).toBeGreaterThan(2 * size);
    const shown = (html: string) =>
      [...html.matchAll(/<tr data-import-id="(\d+)"/g)].map((m) => Number(m[1]));
    // The pager's previous or next link: [href, accessible label].
    const link = (html: string, rel: 'prev' | 'next') =>
      new RegExp(`<a [^>]*rel="${rel}" href="([^"]*)" aria-label="([^"]*)"`)
        .exec(html)
        ?.slice(1, 3);
    const admin = await as('admin');

    const first = await (await admin.get('/importazioni')).text();
    expect(shown(first)).toEqual(ids.slice(0, size));
    expect(link(first, 'prev')).toBeUndefined();
    expect(link(first, 'next')).toEqual(['/importazioni?page=2', 'Pagina successiva (2)']);

    const second = await (await admin.get('/importazioni?page=2')).text();
    expect(shown(second)).toEqual(ids.slice(size, 2 * size));
    expect(link(second, 'prev')).toEqual(['/importazioni', 'Pagina precedente (1)']);
    expect(link(second, 'next')).toEqual(['/importazioni?page=3', 'Pagina successiva (3)']);

    const last = Math.ceil(ids.length / size);
    const lastHtml = await (await admin.get(`/importazioni?page=${last}`)).text();
    expect(shown(lastHtml)).toEqual(ids.slice((last - 1) * size));
    expect(link(lastHtml, 'next')).toBeUndefined();
    // The oldest imports, on the last page, keep their actions, which come back to that page.
    expect(lastHtml).toContain(`action="/importazioni/${f.imports[0]}/rollback?page=${last}"`);
    const wrong = await admin.post(
      `/importazioni/${f.imports[0]}/discard?page=${last}`,
      {},
      '/importazioni',
    );
    expect(wrong.status).toBe(303);
    expect(decodeURIComponent(wrong.headers.get('location')!)).toBe(
      `/importazioni?page=${last}&failed=import ${f.imports[0]} is published, only a held import can be discarded`,
    );
    const beyond = await (await admin.get(`/importazioni?page=${last + 1}`)).text();
    expect(shown(beyond)).toEqual([]);
    expect(beyond).toContain('Nessuna importazione in questa pagina.');

    for (const bad of ['0', 'abc', '2.5', '100001']) {
      const r = await admin.get(`/importazioni?page=${bad}`);
      expect(r.status, bad).toBe(400);
      expect(await r.text()).toMatch(/page /);
    }
    // Others see the latest import's row only: one page.
    const staff = await as('staff');
    const staffHtml = await (await staff.get('/importazioni')).text();
    expect(shown(staffHtml)).toEqual([f.imports[2]]);
    expect(link(staffHtml, 'next')).toBeUndefined();
  });
});

describe('password', () => {
  it('changes only with the current password, and ends the other sessions', async () => {
    const a = await as('gp');
    const b = await as('gp');
    const wrong = await a.post(
      '/password',
      { current: 'nope', password: 'brand-new-password', confirm: 'brand-new-password' },
      '/password',
    );
    expect(wrong.status).toBe(400);
    const mismatch = await a.post(
      '/password',
      { current: PASSWORD, password: 'brand-new-password', confirm: 'other-new-password' },
      '/password',
    );
    expect(mismatch.status).toBe(400);
    const ok = await a.post(
      '/password',
      { current: PASSWORD, password: 'brand-new-password', confirm: 'brand-new-password' },
      '/password',
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toContain('Password cambiata.');
    expect((await a.get('/quarantene')).status).toBe(200);
    expect((await b.get('/quarantene')).status).toBe(303);
    await f.db.pool.query(
      `update qdp.users u set password_hash = s.password_hash, password_verifier = s.password_verifier
       from qdp.users s where s.id = $1 and u.id = $2`,
      [f.users.staff.id, f.users.gp.id],
    );
  });
});

describe('what a transaction sends', () => {
  it('the list, a patient page and the dashboards each cost one query to the database', async () => {
    const c = await as('gp');
    // The session's first page learns the viewer (role, latest import) and the filter's options.
    const first = await (await c.get('/quarantene')).text();
    const patient = /<a href="(\/persone\/[^"]+)">/.exec(first)![1]!;
    const sent: string[] = [];
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text: string }).text;
      sent.push(text.trim().split(/\s+/)[0]!);
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query;
    try {
      for (const path of ['/quarantene', patient, '/cruscotti']) {
        sent.length = 0;
        const r = await c.get(path);
        expect(r.status, path).toBe(200);
        // One simple-protocol query: BEGIN, the opening, the page's statements, the check, COMMIT.
        expect(sent, path).toEqual(['begin;']);
      }
    } finally {
      pg.Client.prototype.query = query;
    }
  });

  it('reaches the browser only after the transaction committed: a patient page after its audit row', async () => {
    // A deferred trigger makes every COMMIT that wrote an audit row wait 700 ms; the page must
    // not arrive before it (it used to be sent first, and a failed commit left a view unaudited).
    await f.db.pool.query(`
      create function pg_temp_slow_commit() returns trigger language plpgsql as
        $$ begin perform pg_sleep(0.7); return null; end $$;
      create constraint trigger test_slow_commit after insert on qdp.audit_log
        deferrable initially deferred for each row execute function pg_temp_slow_commit();`);
    try {
      const c = await as('staff');
      const link = /href="(\/persone\/[^"]+)"/.exec(await (await c.get('/quarantene')).text())![1]!;
      const before = Number(
        (
          await f.db.pool.query(
            "select count(*) as n from qdp.audit_log where action = 'patient.view'",
          )
        ).rows[0].n,
      );
      const page = await c.get(link);
      expect(page.status).toBe(200);
      const after = Number(
        (
          await f.db.pool.query(
            "select count(*) as n from qdp.audit_log where action = 'patient.view'",
          )
        ).rows[0].n,
      );
      expect(after).toBe(before + 1);
    } finally {
      await f.db.pool.query(`
        drop trigger test_slow_commit on qdp.audit_log;
        drop function pg_temp_slow_commit();`);
    }
  });
});
