// Aurora PostgreSQL: the cluster, its instances and its parameter group.
import type { PolicyResource } from '@pulumi/policy';
import {
  dependsOn,
  forType,
  list,
  nonEmptyString,
  objects,
  ofType,
  resourceRule,
  stackRule,
  TYPES,
} from './support.ts';

/** The instances of a cluster: given its identifier (or an Output of it). */
function instancesOf(resources: PolicyResource[], cluster: PolicyResource): PolicyResource[] {
  return ofType(resources, TYPES.rdsInstance).filter(
    (i) =>
      dependsOn(i, 'clusterIdentifier', cluster) ||
      (nonEmptyString(cluster.props['clusterIdentifier']) &&
        i.props['clusterIdentifier'] === cluster.props['clusterIdentifier']),
  );
}

export const rdsNotPublic = resourceRule(
  {
    name: 'qdp-rds-not-public',
    controls: ['RDS.2', 'RDS.18'],
    severity: 'critical',
    description:
      'No database instance is publicly accessible, and every cluster lives in a subnet group of the VPC.',
    remediationSteps:
      'Set publiclyAccessible false on the instances and dbSubnetGroupName (private subnets) on the cluster.',
  },
  forType(TYPES.rdsInstance, (props, args, report) => {
    if (props['publiclyAccessible'] === true)
      report(`RDS instance ${args.name}: publicly accessible`);
  }),
  forType(TYPES.rdsCluster, (props, args, report) => {
    if (!nonEmptyString(props['dbSubnetGroupName'])) {
      report(`RDS cluster ${args.name}: no subnet group (dbSubnetGroupName)`);
    }
  }),
);

export const rdsStorageEncrypted = resourceRule(
  {
    name: 'qdp-rds-storage-encrypted',
    controls: ['RDS.27', 'CKV_AWS_96', 'CKV_AWS_327'],
    severity: 'high',
    description: "Every RDS cluster's storage is encrypted with a customer-managed KMS key.",
    remediationSteps: 'Set storageEncrypted true and kmsKeyId to the platform key.',
  },
  forType(TYPES.rdsCluster, (props, args, report) => {
    if (props['storageEncrypted'] !== true || !nonEmptyString(props['kmsKeyId'])) {
      report(`RDS cluster ${args.name}: storage not encrypted with a KMS key`);
    }
  }),
);

/** The enhanced monitoring intervals RDS accepts, in seconds (0 turns it off). */
const MONITORING_INTERVALS = [1, 5, 10, 15, 30, 60];

export const rdsEnhancedMonitoring = resourceRule(
  {
    name: 'qdp-rds-enhanced-monitoring',
    controls: ['RDS.6', 'CKV_AWS_118'],
    severity: 'low',
    description:
      'Every database instance has enhanced monitoring at an interval of 60 seconds or less, with its monitoring role.',
    remediationSteps:
      'Set monitoringInterval (1 to 60) and monitoringRoleArn (a role with AmazonRDSEnhancedMonitoringRole).',
  },
  forType(TYPES.rdsInstance, (props, args, report) => {
    const interval = Number(props['monitoringInterval'] ?? 0);
    if (!MONITORING_INTERVALS.includes(interval) || !nonEmptyString(props['monitoringRoleArn'])) {
      report(
        `RDS instance ${args.name}: enhanced monitoring interval ${interval} s${nonEmptyString(props['monitoringRoleArn']) ? '' : ' without a role'} (expected 1 to 60 s with monitoringRoleArn)`,
      );
    }
  }),
);

export const rdsPerformanceInsights = resourceRule(
  {
    name: 'qdp-rds-performance-insights',
    controls: ['CKV_AWS_353', 'CKV_AWS_354'],
    severity: 'low',
    description:
      'Every database instance has Performance Insights on, encrypted with a customer-managed KMS key.',
    remediationSteps:
      'Set performanceInsightsEnabled true and performanceInsightsKmsKeyId to the platform key.',
  },
  forType(TYPES.rdsInstance, (props, args, report) => {
    if (props['performanceInsightsEnabled'] !== true) {
      report(`RDS instance ${args.name}: Performance Insights off`);
    } else if (!nonEmptyString(props['performanceInsightsKmsKeyId'])) {
      report(
        `RDS instance ${args.name}: Performance Insights not encrypted with a customer-managed key`,
      );
    }
  }),
);

export const rdsDeletionProtection = resourceRule(
  {
    name: 'qdp-rds-deletion-protection',
    controls: ['RDS.7', 'CKV_AWS_139'],
    severity: 'medium',
    description: 'Every RDS cluster has deletion protection on.',
    remediationSteps:
      'Leave the databaseDeletionProtection argument at its default (true); turn it off only to tear a test stack down.',
  },
  forType(TYPES.rdsCluster, (props, args, report) => {
    if (props['deletionProtection'] !== true) {
      report(`RDS cluster ${args.name}: deletion protection off`);
    }
  }),
);

/** The shortest automated backup retention we accept, in days. */
export const MINIMUM_BACKUP_RETENTION_DAYS = 7;

export const rdsBackups = resourceRule(
  {
    name: 'qdp-rds-backups',
    controls: ['RDS.11', 'CKV_AWS_133'],
    severity: 'medium',
    description: `Every RDS cluster keeps automated backups for at least ${MINIMUM_BACKUP_RETENTION_DAYS} days.`,
    remediationSteps: `Set databaseBackupRetentionDays to ${MINIMUM_BACKUP_RETENTION_DAYS} or more.`,
  },
  forType(TYPES.rdsCluster, (props, args, report) => {
    const days = Number(props['backupRetentionPeriod'] ?? 1);
    if (!(days >= MINIMUM_BACKUP_RETENTION_DAYS)) {
      report(
        `RDS cluster ${args.name}: backups kept ${days} day(s) (expected at least ${MINIMUM_BACKUP_RETENTION_DAYS})`,
      );
    }
  }),
);

export const rdsMultiZone = stackRule(
  {
    name: 'qdp-rds-multi-zone',
    controls: ['RDS.15'],
    severity: 'medium',
    description:
      'Every RDS cluster has at least two instances (a writer and a reader), in different availability zones where the zones are set.',
    remediationSteps:
      'Leave the number of database instances at its default (2); one instance only for a development stack.',
  },
  ({ resources }, report) => {
    for (const cluster of ofType(resources, TYPES.rdsCluster)) {
      const instances = instancesOf(resources, cluster);
      const zones = instances.map((i) => i.props['availabilityZone']).filter(nonEmptyString);
      if (instances.length < 2) {
        report(
          `RDS cluster ${cluster.name}: ${instances.length} instance(s) (expected a writer and a reader)`,
          cluster.urn,
        );
      } else if (zones.length === instances.length && new Set(zones).size < 2) {
        report(`RDS cluster ${cluster.name}: every instance in ${zones[0]}`, cluster.urn);
      }
    }
  },
);

export const rdsIamAuthentication = resourceRule(
  {
    name: 'qdp-rds-iam-authentication',
    controls: ['RDS.12', 'CKV_AWS_162'],
    severity: 'medium',
    description: 'Every RDS cluster has IAM database authentication enabled.',
    remediationSteps: 'Set iamDatabaseAuthenticationEnabled true.',
  },
  forType(TYPES.rdsCluster, (props, args, report) => {
    if (props['iamDatabaseAuthenticationEnabled'] !== true) {
      report(`RDS cluster ${args.name}: IAM database authentication off`);
    }
  }),
);

/** The engines' default ports, which RDS.23 asks to change. */
const DEFAULT_PORTS: Record<string, number> = {
  'aurora-postgresql': 5432,
  postgres: 5432,
  'aurora-mysql': 3306,
  mysql: 3306,
};

export const rdsNonDefaultPort = resourceRule(
  {
    name: 'qdp-rds-non-default-port',
    controls: ['RDS.23'],
    severity: 'low',
    description: "Every RDS cluster listens on a port other than its engine's default.",
    remediationSteps: 'Set port to a value other than the default (5432 for PostgreSQL).',
  },
  forType(TYPES.rdsCluster, (props, args, report) => {
    const engine = String(props['engine'] ?? 'aurora-postgresql');
    const defaultPort = DEFAULT_PORTS[engine];
    const port = props['port'] === undefined ? defaultPort : Number(props['port']);
    if (defaultPort !== undefined && port === defaultPort) {
      report(`RDS cluster ${args.name}: the default port ${defaultPort}`);
    }
  }),
);

export const rdsLogExports = stackRule(
  {
    name: 'qdp-rds-log-exports',
    controls: ['RDS.37', 'CKV_AWS_324'],
    severity: 'medium',
    description:
      'Every Aurora PostgreSQL cluster exports its postgresql log to CloudWatch, into a log group the stack declares (with the log retention and the key).',
    remediationSteps:
      'Set enabledCloudwatchLogsExports ["postgresql"] and declare the log group /aws/rds/cluster/<identifier>/postgresql before the cluster.',
  },
  ({ resources }, report) => {
    for (const cluster of ofType(resources, TYPES.rdsCluster)) {
      if (!list(cluster.props['enabledCloudwatchLogsExports']).includes('postgresql')) {
        report(`RDS cluster ${cluster.name}: the postgresql log is not exported`, cluster.urn);
        continue;
      }
      const identifier = cluster.props['clusterIdentifier'];
      const logGroup = `/aws/rds/cluster/${String(identifier)}/postgresql`;
      const declared = ofType(resources, TYPES.logGroup).some((g) => g.props['name'] === logGroup);
      if (nonEmptyString(identifier) && !declared) {
        report(
          `RDS cluster ${cluster.name}: log group ${logGroup} not declared (RDS would make one kept forever)`,
          cluster.urn,
        );
      }
    }
  },
);

export const rdsCopyTagsToSnapshots = resourceRule(
  {
    name: 'qdp-rds-copy-tags-to-snapshots',
    controls: ['RDS.16'],
    severity: 'low',
    description: 'Every RDS cluster copies its tags to its snapshots.',
    remediationSteps: 'Set copyTagsToSnapshot true.',
  },
  forType(TYPES.rdsCluster, (props, args, report) => {
    if (props['copyTagsToSnapshot'] !== true) {
      report(`RDS cluster ${args.name}: tags not copied to snapshots`);
    }
  }),
);

export const rdsMinorVersionUpgrades = resourceRule(
  {
    name: 'qdp-rds-minor-version-upgrades',
    controls: ['RDS.35', 'CKV_AWS_226'],
    severity: 'medium',
    description: 'No RDS cluster or instance turns automatic minor version upgrades off.',
    remediationSteps:
      'Leave autoMinorVersionUpgrade unset (true) on the cluster and its instances.',
  },
  forType(TYPES.rdsCluster, (props, args, report) => {
    if (props['autoMinorVersionUpgrade'] === false) {
      report(`RDS cluster ${args.name}: automatic minor version upgrades off`);
    }
  }),
  forType(TYPES.rdsInstance, (props, args, report) => {
    if (props['autoMinorVersionUpgrade'] === false) {
      report(`RDS instance ${args.name}: automatic minor version upgrades off`);
    }
  }),
);

export const rdsForceTls = stackRule(
  {
    name: 'qdp-rds-force-tls',
    controls: ['CKV_AWS_69'],
    severity: 'high',
    description:
      'Every Aurora PostgreSQL cluster uses a cluster parameter group that requires TLS (rds.force_ssl 1).',
    remediationSteps:
      'Give the cluster (dbClusterParameterGroupName) an aws.rds.ClusterParameterGroup with the parameter rds.force_ssl = 1.',
  },
  ({ resources }, report) => {
    for (const cluster of ofType(resources, TYPES.rdsCluster)) {
      const groups = ofType(resources, TYPES.rdsClusterParameterGroup).filter(
        (g) =>
          dependsOn(cluster, 'dbClusterParameterGroupName', g) ||
          (nonEmptyString(g.props['name']) &&
            g.props['name'] === cluster.props['dbClusterParameterGroupName']),
      );
      const forced = groups.some((g) =>
        objects(g.props['parameters']).some(
          (p) => p['name'] === 'rds.force_ssl' && String(p['value']) === '1',
        ),
      );
      if (!forced) {
        report(
          `RDS cluster ${cluster.name}: its parameter group does not set rds.force_ssl to 1`,
          cluster.urn,
        );
      }
    }
  },
);

export const rdsManagedPassword = resourceRule(
  {
    name: 'qdp-rds-managed-password',
    controls: [],
    severity: 'high',
    description:
      'Every RDS cluster lets Secrets Manager manage the master password: no password in the program or the state.',
    remediationSteps:
      'Set manageMasterUserPassword true (with masterUserSecretKmsKeyId) and remove masterPassword.',
  },
  forType(TYPES.rdsCluster, (props, args, report) => {
    if (props['manageMasterUserPassword'] !== true || props['masterPassword'] !== undefined) {
      report(
        `RDS cluster ${args.name}: master password not managed by Secrets Manager (manageMasterUserPassword)`,
      );
    }
  }),
);

export const rdsRules = [
  rdsNotPublic,
  rdsStorageEncrypted,
  rdsEnhancedMonitoring,
  rdsPerformanceInsights,
  rdsDeletionProtection,
  rdsBackups,
  rdsMultiZone,
  rdsIamAuthentication,
  rdsNonDefaultPort,
  rdsLogExports,
  rdsCopyTagsToSnapshots,
  rdsMinorVersionUpgrades,
  rdsForceTls,
  rdsManagedPassword,
];
