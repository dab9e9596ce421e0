// Redshift Serverless: the namespace (data, admin, logs) and the workgroup (network, TLS).
import { forType, list, nonEmptyString, objects, resourceRule, TYPES, unwrap } from './support.ts';

export const redshiftNotPublic = resourceRule(
  {
    name: 'qdp-redshift-not-public',
    controls: ['RedshiftServerless.3'],
    severity: 'critical',
    description: 'No Redshift Serverless workgroup is publicly accessible.',
    remediationSteps: 'Set publiclyAccessible false on the workgroup.',
  },
  forType(TYPES.redshiftWorkgroup, (props, args, report) => {
    if (props['publiclyAccessible'] !== false) {
      report(
        `Redshift workgroup ${args.name}: publiclyAccessible is ${String(props['publiclyAccessible'])} (expected false)`,
      );
    }
  }),
);

export const redshiftEnhancedVpcRouting = resourceRule(
  {
    name: 'qdp-redshift-enhanced-vpc-routing',
    controls: ['RedshiftServerless.1'],
    severity: 'medium',
    description: 'Every Redshift Serverless workgroup uses enhanced VPC routing.',
    remediationSteps: 'Set enhancedVpcRouting true on the workgroup.',
  },
  forType(TYPES.redshiftWorkgroup, (props, args, report) => {
    if (props['enhancedVpcRouting'] !== true) {
      report(`Redshift workgroup ${args.name}: enhanced VPC routing off`);
    }
  }),
);

export const redshiftRequireTls = resourceRule(
  {
    name: 'qdp-redshift-require-tls',
    controls: ['RedshiftServerless.2'],
    severity: 'high',
    description: 'Every Redshift Serverless workgroup requires TLS (require_ssl true).',
    remediationSteps:
      'Add configParameters { parameterKey: "require_ssl", parameterValue: "true" }.',
  },
  forType(TYPES.redshiftWorkgroup, (props, args, report) => {
    const tls = objects(props['configParameters']).some(
      (p) => p['parameterKey'] === 'require_ssl' && String(p['parameterValue']) === 'true',
    );
    if (!tls) report(`Redshift workgroup ${args.name}: TLS not required (require_ssl)`);
  }),
);

export const redshiftNoDefaultNames = resourceRule(
  {
    name: 'qdp-redshift-no-default-names',
    controls: ['RedshiftServerless.5', 'RedshiftServerless.7'],
    severity: 'medium',
    description:
      'Every Redshift Serverless namespace names its admin user and database itself (not admin, not dev).',
    remediationSteps: 'Set adminUsername and dbName to names of the platform.',
  },
  forType(TYPES.redshiftNamespace, (props, args, report) => {
    const admin = unwrap(props['adminUsername']);
    if (!nonEmptyString(admin) || admin === 'admin') {
      report(
        `Redshift namespace ${args.name}: the default admin user name (${String(admin ?? 'admin')})`,
      );
    }
    const database = props['dbName'];
    if (!nonEmptyString(database) || database === 'dev') {
      report(
        `Redshift namespace ${args.name}: the default database name (${String(database ?? 'dev')})`,
      );
    }
  }),
);

/** The logs a namespace exports: who connected and who ran what. */
export const REDSHIFT_LOG_EXPORTS = ['connectionlog', 'userlog'];

export const redshiftLogExports = resourceRule(
  {
    name: 'qdp-redshift-log-exports',
    controls: ['RedshiftServerless.6'],
    severity: 'medium',
    description: `Every Redshift Serverless namespace exports its ${REDSHIFT_LOG_EXPORTS.join(' and ')} to CloudWatch.`,
    remediationSteps: `Set logExports to include ${REDSHIFT_LOG_EXPORTS.join(', ')} (and useractivitylog).`,
  },
  forType(TYPES.redshiftNamespace, (props, args, report) => {
    const exported = list(props['logExports']).map(String);
    const missing = REDSHIFT_LOG_EXPORTS.filter((l) => !exported.includes(l));
    if (missing.length > 0) {
      report(`Redshift namespace ${args.name}: ${missing.join(', ')} not exported`);
    }
  }),
);

export const redshiftEncrypted = resourceRule(
  {
    name: 'qdp-redshift-encrypted',
    controls: ['CKV_AWS_282'],
    severity: 'high',
    description:
      'Every Redshift Serverless namespace is encrypted with a customer-managed KMS key and lets Secrets Manager manage its admin password.',
    remediationSteps:
      'Set kmsKeyId to the platform key, manageAdminPassword true and adminPasswordSecretKmsKeyId.',
  },
  forType(TYPES.redshiftNamespace, (props, args, report) => {
    const key = props['kmsKeyId'];
    if (!nonEmptyString(key) || key === 'AWS_OWNED_KMS_KEY') {
      report(`Redshift namespace ${args.name}: not encrypted with a customer-managed KMS key`);
    }
    if (props['manageAdminPassword'] !== true) {
      report(
        `Redshift namespace ${args.name}: admin password not managed by Secrets Manager (manageAdminPassword)`,
      );
    }
  }),
);

export const redshiftRules = [
  redshiftNotPublic,
  redshiftEnhancedVpcRouting,
  redshiftRequireTls,
  redshiftNoDefaultNames,
  redshiftLogExports,
  redshiftEncrypted,
];
