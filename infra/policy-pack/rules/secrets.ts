// Secrets Manager secrets the platform owns (the Aurora and Redshift admin secrets are AWS's).
import {
  dependsOn,
  forType,
  nonEmptyString,
  object,
  ofType,
  resourceRule,
  stackRule,
  TYPES,
} from './support.ts';

/** The longest rotation period we accept, in days. */
export const MAXIMUM_ROTATION_DAYS = 90;

/** Days between rotations of a rotation's rules, or undefined when not readable. */
function rotationDays(rules: Record<string, unknown>): number | undefined {
  if (rules['automaticallyAfterDays'] !== undefined) return Number(rules['automaticallyAfterDays']);
  const rate = /^rate\((\d+) days?\)$/.exec(String(rules['scheduleExpression'] ?? ''));
  return rate === null ? undefined : Number(rate[1]);
}

export const secretsRotation = stackRule(
  {
    name: 'qdp-secrets-rotation',
    controls: ['SecretsManager.1', 'SecretsManager.4', 'CKV2_AWS_57', 'CKV_AWS_304'],
    severity: 'medium',
    description: `Every Secrets Manager secret the stack declares is rotated automatically at least every ${MAXIMUM_ROTATION_DAYS} days.`,
    remediationSteps: `Declare an aws.secretsmanager.SecretRotation for the secret with its rotation function and rotationRules.automaticallyAfterDays ${MAXIMUM_ROTATION_DAYS} or less.`,
  },
  ({ resources }, report) => {
    for (const secret of ofType(resources, TYPES.secret)) {
      const rotations = ofType(resources, TYPES.secretRotation).filter((r) =>
        dependsOn(r, 'secretId', secret),
      );
      if (rotations.length !== 1) {
        report(`secret ${secret.name}: ${rotations.length} rotations (expected 1)`, secret.urn);
        continue;
      }
      const days = rotationDays(object(rotations[0]!.props['rotationRules']));
      if (days === undefined || days > MAXIMUM_ROTATION_DAYS) {
        report(
          `secret ${secret.name}: rotated every ${String(days ?? 'unknown')} days (expected ${MAXIMUM_ROTATION_DAYS} or less)`,
          secret.urn,
        );
      }
    }
  },
);

export const secretsKey = resourceRule(
  {
    name: 'qdp-secrets-key',
    controls: ['CKV_AWS_149'],
    severity: 'medium',
    description: 'Every Secrets Manager secret is encrypted with a customer-managed KMS key.',
    remediationSteps: 'Set kmsKeyId to the platform key.',
  },
  forType(TYPES.secret, (props, args, report) => {
    if (!nonEmptyString(props['kmsKeyId'])) {
      report(`secret ${args.name}: not encrypted with a customer-managed key (kmsKeyId)`);
    }
  }),
);

export const secretRules = [secretsRotation, secretsKey];
