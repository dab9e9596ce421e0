// Glue jobs, crawlers, connections and the Data Catalog.
import {
  forType,
  nonEmptyString,
  object,
  resourceRule,
  TYPES,
  unwrap,
  type Props,
} from './support.ts';

/** Glue versions we accept for Spark jobs: the supported ones. */
export const SUPPORTED_GLUE_VERSIONS = ['4.0', '5.0'];

export const glueVersion = resourceRule(
  {
    name: 'qdp-glue-version',
    controls: ['Glue.4'],
    severity: 'medium',
    description: `Every Glue job runs a supported Glue version (${SUPPORTED_GLUE_VERSIONS.join(', ')}).`,
    remediationSteps: 'Set glueVersion "5.0" (and test the job scripts on it).',
  },
  forType(TYPES.glueJob, (props, args, report) => {
    if (!SUPPORTED_GLUE_VERSIONS.includes(String(props['glueVersion']))) {
      report(
        `Glue job ${args.name}: Glue version ${String(props['glueVersion'])} (expected one of ${SUPPORTED_GLUE_VERSIONS.join(', ')})`,
      );
    }
  }),
);

export const glueSecurityConfiguration = resourceRule(
  {
    name: 'qdp-glue-security-configuration',
    controls: ['CKV_AWS_195', 'CKV_AWS_99'],
    severity: 'high',
    description:
      'Every Glue job and crawler runs under a security configuration, and every security configuration encrypts S3 data (SSE-KMS), CloudWatch logs (SSE-KMS) and job bookmarks (CSE-KMS) with a KMS key.',
    remediationSteps:
      'Set securityConfiguration on the job or crawler to an aws.glue.SecurityConfiguration whose three encryption settings use the platform key.',
  },
  forType(TYPES.glueJob, (props, args, report) => {
    if (!nonEmptyString(props['securityConfiguration'])) {
      report(`Glue job ${args.name}: no security configuration`);
    }
  }),
  forType(TYPES.glueCrawler, (props, args, report) => {
    if (!nonEmptyString(props['securityConfiguration'])) {
      report(`Glue crawler ${args.name}: no security configuration`);
    }
  }),
  forType(TYPES.glueSecurityConfiguration, (props, args, report) => {
    const e = object(props['encryptionConfiguration']);
    const checks: [string, Props, string, string][] = [
      ['S3', object(e['s3Encryption']), 's3EncryptionMode', 'SSE-KMS'],
      ['CloudWatch', object(e['cloudwatchEncryption']), 'cloudwatchEncryptionMode', 'SSE-KMS'],
      [
        'job bookmarks',
        object(e['jobBookmarksEncryption']),
        'jobBookmarksEncryptionMode',
        'CSE-KMS',
      ],
    ];
    for (const [what, config, mode, expected] of checks) {
      if (config[mode] !== expected || !nonEmptyString(config['kmsKeyArn'])) {
        report(
          `Glue security configuration ${args.name}: ${what} encryption ${String(config[mode] ?? 'DISABLED')} (expected ${expected} with a key)`,
        );
      }
    }
  }),
);

const tagged =
  (what: string) => (props: Props, args: { name: string }, report: (m: string) => void) => {
    if (Object.keys(object(props['tags'])).length === 0)
      report(`Glue ${what} ${args.name}: no tags`);
  };

export const glueTagged = resourceRule(
  {
    name: 'qdp-glue-tagged',
    controls: ['Glue.1'],
    severity: 'low',
    description: 'Every Glue job, crawler and connection is tagged.',
    remediationSteps:
      "Pass the component's tags argument (the component tags every resource it declares).",
  },
  forType(TYPES.glueJob, tagged('job')),
  forType(TYPES.glueCrawler, tagged('crawler')),
  forType(TYPES.glueConnection, tagged('connection')),
);

export const glueCatalogEncryption = resourceRule(
  {
    name: 'qdp-glue-catalog-encryption',
    controls: ['CKV_AWS_94'],
    severity: 'medium',
    description:
      "The Data Catalog's encryption settings, where the stack declares them (an account-wide singleton), encrypt the metadata (SSE-KMS) and the connection passwords with a KMS key.",
    remediationSteps:
      'Set encryptionAtRest.catalogEncryptionMode "SSE-KMS" with sseAwsKmsKeyId, and connectionPasswordEncryption.returnConnectionPasswordEncrypted true with awsKmsKeyId.',
  },
  forType(TYPES.glueCatalogEncryption, (props, args, report) => {
    const settings = object(props['dataCatalogEncryptionSettings']);
    const atRest = object(settings['encryptionAtRest']);
    if (
      atRest['catalogEncryptionMode'] !== 'SSE-KMS' ||
      !nonEmptyString(atRest['sseAwsKmsKeyId'])
    ) {
      report(`Data Catalog encryption ${args.name}: metadata not encrypted with a KMS key`);
    }
    const passwords = object(settings['connectionPasswordEncryption']);
    if (
      passwords['returnConnectionPasswordEncrypted'] !== true ||
      !nonEmptyString(passwords['awsKmsKeyId'])
    ) {
      report(
        `Data Catalog encryption ${args.name}: connection passwords not encrypted with a KMS key`,
      );
    }
  }),
);

export const glueConnectionSecrets = resourceRule(
  {
    name: 'qdp-glue-connection-secrets',
    controls: [],
    severity: 'high',
    description:
      'Every Glue JDBC connection reads its credentials from Secrets Manager (SECRET_ID, no PASSWORD) and enforces TLS (JDBC_ENFORCE_SSL).',
    remediationSteps:
      'Set connectionProperties SECRET_ID to the database secret and JDBC_ENFORCE_SSL "true"; remove USERNAME/PASSWORD.',
  },
  forType(TYPES.glueConnection, (props, args, report) => {
    if (props['connectionType'] !== 'JDBC') return;
    const properties = object(unwrap(props['connectionProperties']));
    if (properties['PASSWORD'] !== undefined || !nonEmptyString(properties['SECRET_ID'])) {
      report(`Glue connection ${args.name}: credentials not from Secrets Manager (SECRET_ID)`);
    }
    if (properties['JDBC_ENFORCE_SSL'] !== 'true') {
      report(`Glue connection ${args.name}: TLS not enforced (JDBC_ENFORCE_SSL)`);
    }
  }),
);

export const glueRules = [
  glueVersion,
  glueSecurityConfiguration,
  glueTagged,
  glueCatalogEncryption,
  glueConnectionSecrets,
];
