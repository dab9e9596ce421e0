// Local-mode and command-line configuration, from the environment, validated once with clear
// errors. Limits that the SQL applies live in qdp.settings (see `qdp settings`); limits on files
// live in contracts/daily-file.json.
import path from 'node:path';
import { z } from 'zod';
import { provinceListSetting } from '../contracts/territory.ts';

const environmentSchema = z.object({
  DATABASE_URL: z.string().url().optional(),
  QDP_DATA_DIR: z.string().min(1).default('.qdp'),
  QDP_INBOX: z.string().min(1).default('inbox'),
  QDP_TERRITORY_PROVINCES: provinceListSetting.default(['VR']),
  QDP_WEBHOOK_URL: z.string().url().optional(),
  QDP_DEMO_DAYS: z.coerce.number().int().min(0).max(60).default(14),
  QDP_DEMO_ROWS: z.coerce.number().int().min(10).max(1_000_000).default(2_000),
});

export interface Config {
  /** Where a server is given (Aurora, a local PostgreSQL); otherwise the embedded one is used. */
  databaseUrl: string | undefined;
  /** Local-mode state: the embedded PostgreSQL's data, processed inbox files. */
  dataDir: string;
  /** Folder that `npm start` watches for daily files. */
  inboxDir: string;
  /** The authority's territory, as two-letter province codes. */
  territoryProvinces: string[];
  /** Optional URL that receives each notification as JSON (local stand-in for SNS). */
  webhookUrl: string | undefined;
  /** Days of synthetic history and rows per day that `npm start` seeds on an empty database. */
  demoDays: number;
  demoRows: number;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  // An empty variable means "not set" (as in shells and CI files).
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = environmentSchema.safeParse(given);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.')}: ${issue.message}`,
    );
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const e = parsed.data;
  return {
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(cwd, e.QDP_DATA_DIR),
    inboxDir: path.resolve(cwd, e.QDP_INBOX),
    territoryProvinces: e.QDP_TERRITORY_PROVINCES,
    webhookUrl: e.QDP_WEBHOOK_URL,
    demoDays: e.QDP_DEMO_DAYS,
    demoRows: e.QDP_DEMO_ROWS,
  };
}
