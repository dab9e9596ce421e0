// Lambda entry point: Secrets Manager's rotation function for the portal's settings secret
// (rotate.ts). It rotates that one secret only (QDP_PORTAL_SETTINGS_SECRET_ARN): an event for
// any other secret is refused.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { log } from '../aws.ts';
import { parseEnvironment } from '../environment.ts';
import { rotateStep, type RotationEvent, type RotationOutcome } from './rotate.ts';
import { LAMBDA_ENV } from '../../contracts/lambda.ts';

export async function handler(event: RotationEvent): Promise<RotationOutcome> {
  const env = parseEnvironment('rotate-database-secret');
  const secretArn = env[LAMBDA_ENV.portalSettingsSecretArn];
  if (event.SecretId !== secretArn) {
    throw new Error(`rotate-database-secret: rotates ${secretArn} only, not ${event.SecretId}`);
  }
  const outcome = await rotateStep(event, { secrets: new SecretsManagerClient({}) });
  log({ function: 'rotate-database-secret', ...outcome });
  return outcome;
}
