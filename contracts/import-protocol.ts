// The import protocol (contracts/import-protocol.json, which the Glue job's test reads too): the
// database function of each step and the steps of each path, in order. core/import-protocol.ts
// makes these calls; the tests of both runtimes record theirs and compare them with `paths`.
import { z } from 'zod';
import declaration from './import-protocol.json' with { type: 'json' };

const STEPS = [
  'registerHeld',
  'registerUpload',
  'load',
  'handOff',
  'markLoaded',
  'reconcile',
  'reject',
  'fail',
  'summary',
  'release',
  'recordWorkflowRun',
] as const;
export type ImportStep = (typeof STEPS)[number];

const path = z.array(z.enum(STEPS)).min(1);
const schema = z.object({
  version: z.literal(1),
  /** Every step that is one database call, with its function. */
  functions: z.partialRecord(z.enum(STEPS), z.string().regex(/^qdp\.[a-z_]+$/)),
  paths: z.object({
    local: z.object({
      reconciled: path,
      rejected: path,
      failed: path,
      duplicate: path,
      inProgress: path,
    }),
    upload: z.object({
      handedOff: path,
      rejected: path,
      failed: path,
      duplicate: path,
      inProgress: path,
    }),
    glue: z.object({ reconciled: path, failed: path }),
    notify: z.object({ finished: path, unfinished: path }),
  }),
});

export type ImportProtocol = z.infer<typeof schema>;

export const IMPORT_PROTOCOL: ImportProtocol = schema.parse(declaration);
