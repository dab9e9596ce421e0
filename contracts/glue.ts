// The Glue jobs' contract (contracts/job-arguments.json, which the Python scripts read too), with
// its one typed reader: each job's argument names, the workflow run properties on-upload sets,
// the staged file's shape and the files each job needs beside its script. Also which Glue states
// end a run badly (notify reports them, infra/notifications.ts routes them).
import { z } from 'zod';
import declaration from './job-arguments.json' with { type: 'json' };

const argumentSchema = z.object({
  name: z.string().regex(/^--qdp_[a-z_]+$/),
  description: z.string(),
});

const jobSchema = z.object({
  script: z.string().regex(/^glue\/[a-z_]+\.py$/),
  description: z.string(),
  arguments: z.record(z.string(), argumentSchema),
  glueArguments: z.array(z.string().regex(/^--[A-Z_]+$/)),
  extraFiles: z.array(z.string().min(1)),
  extraPyFiles: z.array(z.string().min(1)),
});

const declarationSchema = z.object({
  version: z.literal(1),
  glueVersion: z.string().min(1),
  runProperties: z.object({
    importId: z.string().min(1),
    stagedBucket: z.string().min(1),
    stagedKey: z.string().min(1),
    sourceName: z.string().min(1),
  }),
  stagedFile: z.object({
    lineNumberColumn: z.string().min(1),
    /** What the crawler's CSV classifier must say so that every column reaches the job as text. */
    classifier: z.object({
      /** The staged file's delimiter (on-upload writes it with core/csv-export.ts machine mode). */
      delimiter: z.enum([',', ';']),
      quoteSymbol: z.string().length(1),
      containsHeader: z.enum(['PRESENT', 'ABSENT', 'UNKNOWN']),
      serde: z.string().min(1),
      customDatatypeConfigured: z.boolean(),
      customDatatypes: z.array(z.string().min(1)),
    }),
  }),
  jobs: z.object({
    import: jobSchema,
    analytics: jobSchema.extend({
      schema: z.string().min(1),
      directIdentifierColumns: z.object({ names: z.array(z.string().min(1)).min(1) }),
    }),
  }),
});

export type GlueDeclaration = z.infer<typeof declarationSchema>;
export type GlueJobName = keyof GlueDeclaration['jobs'];
export type GlueJobDeclaration = z.infer<typeof jobSchema>;

/** contracts/job-arguments.json, validated (the path the package and Glue uploads use). */
export const GLUE_DECLARATION_FILE = 'contracts/job-arguments.json';
export const GLUE_DECLARATION: GlueDeclaration = declarationSchema.parse(declaration);

/** Glue workflow run property names (on-upload sets them, the import job reads them). */
export const WORKFLOW_RUN_PROPERTIES = GLUE_DECLARATION.runProperties;

/**
 * The staged CSV's column that carries each record's line in the uploaded file (the Glue job
 * then reports rejects at the uploaded lines, across blank lines and .xlsx rows).
 */
export const STAGED_LINE_NUMBER_COLUMN = GLUE_DECLARATION.stagedFile.lineNumberColumn;

/** The `--qdp_…` name of a job's argument, by its key; fails naming the keys there are. */
export function glueArgumentName(job: GlueJobName, key: string): string {
  const found = GLUE_DECLARATION.jobs[job].arguments[key];
  if (found === undefined) {
    const keys = Object.keys(GLUE_DECLARATION.jobs[job].arguments).join(', ');
    throw new Error(
      `${GLUE_DECLARATION_FILE} declares no argument "${key}" for the ${job} job (it has ${keys})`,
    );
  }
  return found.name;
}

/** Glue job run states that end a run badly (EventBridge "Glue Job State Change"). */
export const GLUE_JOB_FAILED_STATES = ['FAILED', 'TIMEOUT', 'STOPPED', 'ERROR'] as const;
/** Crawler states that end a crawl badly (EventBridge "Glue Crawler State Change"). */
export const GLUE_CRAWLER_FAILED_STATES = ['Failed'] as const;
