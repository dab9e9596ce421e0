// Lambda entry point: S3 ObjectCreated notifications for the landing bucket. Each record is
// handled on its own (one failing file does not stop the others); the outcome of each is logged.
import { tmpdir } from 'node:os';
import { GlueClient, StartWorkflowRunCommand } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { dataApiFrom, log, snsPublisher } from '../aws.ts';
import { parseEnvironment } from '../environment.ts';
import { s3Objects } from '../objects.ts';
import { handleUpload, type UploadDeps, type UploadOutcome } from './upload.ts';
import { DEFAULT_LIMITS } from '../../contracts/daily-file.ts';
import { LAMBDA_ENV } from '../../contracts/lambda.ts';

export async function handler(event: S3Event): Promise<{ records: UploadOutcome[] }> {
  const env = parseEnvironment('on-upload');
  const glue = new GlueClient({});
  const workflowName = env[LAMBDA_ENV.glueWorkflowName];
  const deps: UploadDeps = {
    sql: dataApiFrom(env),
    // Path-style addressing works with every S3 endpoint, the emulator's included.
    objects: s3Objects(new S3Client({ forcePathStyle: true })),
    startWorkflow: async (runProperties) => {
      const run = await glue.send(
        new StartWorkflowRunCommand({ Name: workflowName, RunProperties: runProperties }),
      );
      if (!run.RunId) throw new Error(`Glue workflow ${workflowName} returned no run id`);
      return run.RunId;
    },
    publish: snsPublisher({ ETL_Failure: env[LAMBDA_ENV.failureTopicArn] }),
    workDir: tmpdir(),
    limits: { ...DEFAULT_LIMITS, maxFileBytes: env[LAMBDA_ENV.maxFileBytes] },
  };
  const records: UploadOutcome[] = [];
  for (const record of event.Records ?? []) {
    const outcome = await handleUpload(
      { bucket: record.s3.bucket.name, key: record.s3.object.key },
      deps,
    );
    log({ function: 'on-upload', ...outcome });
    records.push(outcome);
  }
  return { records };
}
