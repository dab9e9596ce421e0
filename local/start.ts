// `npm start`: the whole platform on one machine. Embedded PostgreSQL (or DATABASE_URL), schema
// migrated, demo users and two weeks of synthetic history on first start, then the inbox watcher:
// each .csv/.xlsx dropped in the inbox is imported and its outcome printed as the notification
// message. Files are moved to <data dir>/processed/ once handled. Ctrl-C stops everything.
import { mkdir, rename } from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../core/config.ts';
import { importDailyFile } from '../core/importer.ts';
import { openDatabase } from './database.ts';
import { DEMO_PASSWORD, seedDemoHistory, seedDemoUsers } from './demo.ts';
import { notifyLocally } from './notify.ts';
import { startLocalSignIn } from './identity-provider.ts';
import { InboxWatcher } from './watcher.ts';
import { startLocalPortal } from '../portal/local.ts';

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

function timestamp(): string {
  return new Date().toISOString().replaceAll(':', '').replace(/\..*/, '');
}

export async function startLocalPlatform(config: Config, io: Io): Promise<number> {
  const log = (line: string) => io.out(`${line}\n`);
  log('quarantine-data-platform: local mode');
  const db = await openDatabase(config);
  log(`database: ${db.description}`);
  const seeded = await seedDemoHistory(
    db.pool,
    {
      dataDir: config.dataDir,
      days: config.demoDays,
      rows: config.demoRows,
      provinces: config.territoryProvinces,
    },
    log,
  );
  if (seeded > 0) log(`seeded ${seeded} days of synthetic imports`);
  const users = await seedDemoUsers(db.pool);
  log(`demo users (password "${DEMO_PASSWORD}"):`);
  for (const u of users) log(`  ${u.username.padEnd(11)} ${u.role.padEnd(13)} ${u.scope}`);
  log('  (password sign-in asks for a TOTP second factor: enrol with an authenticator app)');
  const signIn = await startLocalSignIn(db.pool, process.env, log);
  // The portal (QDP_PORTAL_PORT, default 8080) on the same database, as the portal's login role.
  const portal = await startLocalPortal(db.pool, { ...process.env, ...signIn.env });
  log(`portal: ${portal.url} (log in as one of the demo users above)`);

  const processedDir = path.join(config.dataDir, 'processed');
  await mkdir(config.inboxDir, { recursive: true });
  await mkdir(processedDir, { recursive: true });
  const watcher = new InboxWatcher({
    dir: config.inboxDir,
    onFile: async (filePath) => {
      const name = path.basename(filePath);
      log(`\n${name}: importing`);
      let outcome = 'error';
      try {
        const { summary, message } = await importDailyFile(db.pool, filePath);
        outcome = summary.status;
        await notifyLocally(message, { webhookUrl: config.webhookUrl, out: io.out });
      } catch (error) {
        io.err(`${name}: ${error instanceof Error ? error.message : String(error)}\n`);
      }
      // Out of the inbox whatever happened, so a file is never imported twice by accident.
      const target = path.join(processedDir, `${timestamp()}-${outcome}-${name}`);
      await rename(filePath, target);
      log(`${name}: moved to ${path.relative(process.cwd(), target)}`);
    },
    onError: (error) =>
      io.err(`inbox: ${error instanceof Error ? error.message : String(error)}\n`),
  });
  watcher.start();
  log(`watching ${config.inboxDir} for .csv and .xlsx daily files (Ctrl-C to stop)`);

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  log('\nstopping…');
  await watcher.stop();
  await portal.close();
  await signIn.close();
  await db.close();
  log('stopped');
  return 0;
}
