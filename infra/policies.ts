// The platform's own policy rules, written with @pulumi/policy's types: what must hold of every
// resource the component declares. Rules that relate resources to one another (a bucket and its
// encryption, public access block and policy) are stack policies and link the resources through
// `propertyDependencies` (which the Pulumi engine fills in from the Outputs a resource was given),
// so they hold in a real `pulumi preview --policy-pack` as well as over the resources recorded
// under mocks (test/infra/policies.test.ts).
//
// Not re-exported by index.ts: @pulumi/policy is a development dependency, and a consumer of the
// package does not need it. @pulumi/awsguard is not used: it requires @pulumi/aws 4 and checks the
// v4 shape of resources (bucket encryption inline in the bucket), so it misjudges @pulumi/aws 7.
import type {
  PolicyResource,
  ReportViolation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationPolicy,
} from '@pulumi/policy';

export const BUCKET = 'aws:s3/bucket:Bucket';
const ENCRYPTION =
  'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration';
const PUBLIC_ACCESS_BLOCK = 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock';
const BUCKET_POLICY = 'aws:s3/bucketPolicy:BucketPolicy';
const BUCKET_LOGGING = 'aws:s3/bucketLogging:BucketLogging';

/** Transfer Family security policies we accept: the current ones (2024 and later). */
export const CURRENT_TRANSFER_POLICIES = [
  'TransferSecurityPolicy-2025-03',
  'TransferSecurityPolicy-FIPS-2025-03',
  'TransferSecurityPolicy-2024-01',
  'TransferSecurityPolicy-FIPS-2024-01',
];

type Props = Record<string, unknown>;

/** The resources of `type` that the engine records as given `resource`'s Output in `property`. */
function attached(
  resources: PolicyResource[],
  type: string,
  property: string,
  resource: PolicyResource,
): PolicyResource[] {
  return resources.filter(
    (r) =>
      r.type === type &&
      (r.propertyDependencies[property] ?? []).some((d) => d.urn === resource.urn),
  );
}

function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function nonEmptyString(value: unknown): boolean {
  return typeof value === 'string' && value.trim() !== '';
}

/** Statements of a policy document given as a JSON string or an object; [] when unreadable. */
function statements(document: unknown): Props[] {
  let parsed: unknown = document;
  if (typeof document === 'string') {
    try {
      parsed = JSON.parse(document);
    } catch {
      return [];
    }
  }
  if (typeof parsed !== 'object' || parsed === null) return [];
  return list((parsed as Props)['Statement']).filter(
    (s): s is Props => typeof s === 'object' && s !== null,
  );
}

export const s3BucketKmsEncryption: StackValidationPolicy = {
  name: 'qdp-s3-bucket-kms-encryption',
  description:
    'Every S3 bucket is encrypted by default with a KMS key (SSE-KMS); only a bucket that receives S3 server access logs uses SSE-S3, the one encryption log delivery supports.',
  enforcementLevel: 'mandatory',
  validateStack: ({ resources }, report) => {
    for (const bucket of resources.filter((r) => r.type === BUCKET)) {
      const configs = attached(resources, ENCRYPTION, 'bucket', bucket);
      if (configs.length !== 1) {
        report(
          `bucket ${bucket.name}: ${configs.length} server-side encryption configurations (expected 1)`,
          bucket.urn,
        );
        continue;
      }
      const isLogTarget = attached(resources, BUCKET_LOGGING, 'targetBucket', bucket).length > 0;
      for (const rule of list(configs[0]!.props['rules']) as Props[]) {
        const byDefault = (rule['applyServerSideEncryptionByDefault'] ?? {}) as Props;
        const algorithm = byDefault['sseAlgorithm'];
        if (algorithm === 'aws:kms' && nonEmptyString(byDefault['kmsMasterKeyId'])) continue;
        if (algorithm === 'AES256' && isLogTarget) continue;
        report(
          `bucket ${bucket.name}: default encryption ${String(algorithm)}${algorithm === 'aws:kms' ? ' without a key' : ''} (expected aws:kms with the platform key)`,
          bucket.urn,
        );
      }
    }
  },
};

export const s3BucketPublicAccessBlocked: StackValidationPolicy = {
  name: 'qdp-s3-bucket-public-access-blocked',
  description: 'Every S3 bucket has a public access block with all four settings on.',
  enforcementLevel: 'mandatory',
  validateStack: ({ resources }, report) => {
    const settings = [
      'blockPublicAcls',
      'blockPublicPolicy',
      'ignorePublicAcls',
      'restrictPublicBuckets',
    ];
    for (const bucket of resources.filter((r) => r.type === BUCKET)) {
      const blocks = attached(resources, PUBLIC_ACCESS_BLOCK, 'bucket', bucket);
      if (blocks.length !== 1) {
        report(
          `bucket ${bucket.name}: ${blocks.length} public access blocks (expected 1)`,
          bucket.urn,
        );
        continue;
      }
      const off = settings.filter((s) => blocks[0]!.props[s] !== true);
      if (off.length > 0)
        report(`bucket ${bucket.name}: public access block with ${off.join(', ')} off`, bucket.urn);
    }
  },
};

/** Whether a statement denies every S3 action on the bucket and its objects without TLS. */
function deniesInsecureTransport(s: Props): boolean {
  const condition = ((s['Condition'] ?? {}) as Props)['Bool'] as Props | undefined;
  const resources = list(s['Resource']).filter((r): r is string => typeof r === 'string');
  return (
    s['Effect'] === 'Deny' &&
    s['Principal'] === '*' &&
    list(s['Action']).length === 1 &&
    list(s['Action'])[0] === 's3:*' &&
    String(condition?.['aws:SecureTransport']) === 'false' &&
    resources.length === 2 &&
    resources[1] === `${resources[0]}/*`
  );
}

export const s3BucketTlsOnly: StackValidationPolicy = {
  name: 'qdp-s3-bucket-tls-only',
  description:
    'Every S3 bucket has a bucket policy that denies all S3 actions on the bucket and its objects over plain HTTP (aws:SecureTransport false).',
  enforcementLevel: 'mandatory',
  validateStack: ({ resources }, report) => {
    for (const bucket of resources.filter((r) => r.type === BUCKET)) {
      const policies = attached(resources, BUCKET_POLICY, 'bucket', bucket);
      if (policies.length !== 1) {
        report(
          `bucket ${bucket.name}: ${policies.length} bucket policies (expected 1)`,
          bucket.urn,
        );
        continue;
      }
      if (!statements(policies[0]!.props['policy']).some(deniesInsecureTransport)) {
        report(
          `bucket ${bucket.name}: the bucket policy does not deny requests without TLS`,
          bucket.urn,
        );
      }
    }
  },
};

/** A resource validation for one resource type. */
function forType(
  type: string,
  check: (props: Props, args: ResourceValidationArgs, report: ReportViolation) => void,
) {
  return (args: ResourceValidationArgs, report: ReportViolation): void => {
    if (args.type === type) check(args.props, args, report);
  };
}

export const snsTopicKms: ResourceValidationPolicy = {
  name: 'qdp-sns-topic-kms',
  description: 'Every SNS topic is encrypted with a customer-managed KMS key.',
  enforcementLevel: 'mandatory',
  validateResource: forType('aws:sns/topic:Topic', (props, args, report) => {
    const key = props['kmsMasterKeyId'];
    if (!nonEmptyString(key)) report(`topic ${args.name}: not encrypted (kmsMasterKeyId missing)`);
    else if (key === 'alias/aws/sns') {
      report(
        `topic ${args.name}: the AWS-managed key alias/aws/sns (CloudWatch alarms cannot publish with it)`,
      );
    }
  }),
};

export const transferServerSecure: ResourceValidationPolicy = {
  name: 'qdp-transfer-server-secure',
  description:
    'Every Transfer Family server speaks SFTP only, uses a current security policy and logs to CloudWatch.',
  enforcementLevel: 'mandatory',
  validateResource: forType('aws:transfer/server:Server', (props, args, report) => {
    const policy = props['securityPolicyName'];
    if (typeof policy !== 'string' || !CURRENT_TRANSFER_POLICIES.includes(policy)) {
      report(
        `Transfer server ${args.name}: security policy ${String(policy)} (expected one of ${CURRENT_TRANSFER_POLICIES.join(', ')})`,
      );
    }
    const protocols = list(props['protocols']);
    if (protocols.length !== 1 || protocols[0] !== 'SFTP') {
      report(
        `Transfer server ${args.name}: protocols ${JSON.stringify(protocols)} (expected ["SFTP"])`,
      );
    }
    if (
      list(props['structuredLogDestinations']).length === 0 ||
      !nonEmptyString(props['loggingRole'])
    ) {
      report(
        `Transfer server ${args.name}: logging off (structuredLogDestinations and loggingRole are required)`,
      );
    }
  }),
};

export const rdsClusterProtected: ResourceValidationPolicy = {
  name: 'qdp-rds-cluster-protected',
  description:
    'Every RDS cluster is encrypted with a KMS key and has deletion protection on; no database instance is publicly accessible.',
  enforcementLevel: 'mandatory',
  validateResource: [
    forType('aws:rds/cluster:Cluster', (props, args, report) => {
      if (props['storageEncrypted'] !== true || !nonEmptyString(props['kmsKeyId'])) {
        report(`RDS cluster ${args.name}: storage not encrypted with a KMS key`);
      }
      if (props['deletionProtection'] !== true) {
        report(`RDS cluster ${args.name}: deletion protection off`);
      }
    }),
    forType('aws:rds/clusterInstance:ClusterInstance', (props, args, report) => {
      if (props['publiclyAccessible'] === true) {
        report(`RDS instance ${args.name}: publicly accessible`);
      }
    }),
  ],
};

export const redshiftServerlessProtected: ResourceValidationPolicy = {
  name: 'qdp-redshift-serverless-protected',
  description:
    'Every Redshift Serverless namespace is encrypted with a customer-managed KMS key and has its admin password managed by Secrets Manager; no workgroup is publicly accessible.',
  enforcementLevel: 'mandatory',
  validateResource: [
    forType('aws:redshiftserverless/namespace:Namespace', (props, args, report) => {
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
    forType('aws:redshiftserverless/workgroup:Workgroup', (props, args, report) => {
      if (props['publiclyAccessible'] !== false) {
        report(
          `Redshift workgroup ${args.name}: publiclyAccessible is ${String(props['publiclyAccessible'])} (expected false)`,
        );
      }
    }),
  ],
};

/** A value as the engine gives it: secrets under mocks come wrapped (`{ 4dabf…: sig, value }`). */
function unwrap(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && 'value' in value) {
    const keys = Object.keys(value);
    if (keys.length === 2 && keys.includes('4dabf18193072939515e22adb298388d')) {
      return (value as Props)['value'];
    }
  }
  return value;
}

export const glueEncrypted: ResourceValidationPolicy = {
  name: 'qdp-glue-encrypted',
  description:
    'Every Glue job and crawler runs under a security configuration, and every security configuration encrypts S3 data (SSE-KMS), CloudWatch logs (SSE-KMS) and job bookmarks (CSE-KMS) with a KMS key.',
  enforcementLevel: 'mandatory',
  validateResource: [
    forType('aws:glue/job:Job', (props, args, report) => {
      if (!nonEmptyString(props['securityConfiguration'])) {
        report(`Glue job ${args.name}: no security configuration`);
      }
    }),
    forType('aws:glue/crawler:Crawler', (props, args, report) => {
      if (!nonEmptyString(props['securityConfiguration'])) {
        report(`Glue crawler ${args.name}: no security configuration`);
      }
    }),
    forType('aws:glue/securityConfiguration:SecurityConfiguration', (props, args, report) => {
      const e = (props['encryptionConfiguration'] ?? {}) as Record<string, Props | undefined>;
      const checks: [string, Props | undefined, string, string][] = [
        ['S3', e['s3Encryption'], 's3EncryptionMode', 'SSE-KMS'],
        ['CloudWatch', e['cloudwatchEncryption'], 'cloudwatchEncryptionMode', 'SSE-KMS'],
        ['job bookmarks', e['jobBookmarksEncryption'], 'jobBookmarksEncryptionMode', 'CSE-KMS'],
      ];
      for (const [what, config, mode, expected] of checks) {
        if (config?.[mode] !== expected || !nonEmptyString(config['kmsKeyArn'])) {
          report(
            `Glue security configuration ${args.name}: ${what} encryption ${String(config?.[mode] ?? 'DISABLED')} (expected ${expected} with a key)`,
          );
        }
      }
    }),
  ],
};

export const secretsManaged: ResourceValidationPolicy = {
  name: 'qdp-secrets-managed',
  description:
    'No password in the program or the state: RDS clusters let Secrets Manager manage the master password, Glue JDBC connections read their credentials from a secret (SECRET_ID, TLS enforced), Secrets Manager secrets use a customer-managed key.',
  enforcementLevel: 'mandatory',
  validateResource: [
    forType('aws:rds/cluster:Cluster', (props, args, report) => {
      if (props['manageMasterUserPassword'] !== true || props['masterPassword'] !== undefined) {
        report(
          `RDS cluster ${args.name}: master password not managed by Secrets Manager (manageMasterUserPassword)`,
        );
      }
    }),
    forType('aws:glue/connection:Connection', (props, args, report) => {
      const properties = (unwrap(props['connectionProperties']) ?? {}) as Props;
      if (props['connectionType'] !== 'JDBC') return;
      if (properties['PASSWORD'] !== undefined || !nonEmptyString(properties['SECRET_ID'])) {
        report(`Glue connection ${args.name}: credentials not from Secrets Manager (SECRET_ID)`);
      }
      if (properties['JDBC_ENFORCE_SSL'] !== 'true') {
        report(`Glue connection ${args.name}: TLS not enforced (JDBC_ENFORCE_SSL)`);
      }
    }),
    forType('aws:secretsmanager/secret:Secret', (props, args, report) => {
      if (!nonEmptyString(props['kmsKeyId'])) {
        report(`secret ${args.name}: not encrypted with a customer-managed key (kmsKeyId)`);
      }
    }),
  ],
};

/** Node.js runtimes we accept: 22 and later. */
const NODE_RUNTIME = /^nodejs(2[2-9]|[3-9][0-9])\.x$/;

export const lambdaSecure: ResourceValidationPolicy = {
  name: 'qdp-lambda-secure',
  description:
    'Every Lambda function runs a current Node.js runtime (22 or later), encrypts its environment with a customer-managed key and logs to a log group of its own; no function URL without IAM authentication; a permission for an AWS service names the source ARN.',
  enforcementLevel: 'mandatory',
  validateResource: [
    forType('aws:lambda/function:Function', (props, args, report) => {
      if (typeof props['runtime'] !== 'string' || !NODE_RUNTIME.test(props['runtime'])) {
        report(
          `Lambda function ${args.name}: runtime ${String(props['runtime'])} (expected nodejs22.x or later)`,
        );
      }
      if (!nonEmptyString(props['kmsKeyArn'])) {
        report(
          `Lambda function ${args.name}: environment not encrypted with a customer-managed key (kmsKeyArn)`,
        );
      }
      if (!nonEmptyString((props['loggingConfig'] as Props | undefined)?.['logGroup'])) {
        report(`Lambda function ${args.name}: no log group of its own (loggingConfig.logGroup)`);
      }
    }),
    forType('aws:lambda/functionUrl:FunctionUrl', (props, args, report) => {
      if (props['authorizationType'] !== 'AWS_IAM') {
        report(
          `Lambda function URL ${args.name}: authorization ${String(props['authorizationType'])} (expected AWS_IAM)`,
        );
      }
    }),
    forType('aws:lambda/permission:Permission', (props, args, report) => {
      const principal = String(props['principal']);
      if (principal.endsWith('.amazonaws.com') && !nonEmptyString(props['sourceArn'])) {
        report(
          `Lambda permission ${args.name}: ${principal} may invoke from any source (sourceArn missing)`,
        );
      }
      if (principal === '*') report(`Lambda permission ${args.name}: anyone may invoke`);
    }),
  ],
};

export const lambdaDeadLetters: StackValidationPolicy = {
  name: 'qdp-lambda-dead-letters',
  description:
    'Every Lambda function that S3 invokes (asynchronously) keeps the events it could not process in a dead-letter queue.',
  enforcementLevel: 'mandatory',
  validateStack: ({ resources }, report) => {
    for (const fn of resources.filter((r) => r.type === 'aws:lambda/function:Function')) {
      // The permission names the function (its name) or was given the function's Output.
      const permissions = resources.filter(
        (p) =>
          p.type === 'aws:lambda/permission:Permission' &&
          ((nonEmptyString(fn.props['name']) && p.props['function'] === fn.props['name']) ||
            (p.propertyDependencies['function'] ?? []).some((d) => d.urn === fn.urn)),
      );
      const fromS3 = permissions.some((p) => p.props['principal'] === 's3.amazonaws.com');
      const dlq = (fn.props['deadLetterConfig'] as Props | undefined)?.['targetArn'];
      if (fromS3 && !nonEmptyString(dlq)) {
        report(`Lambda function ${fn.name}: invoked by S3 without a dead-letter queue`, fn.urn);
      }
    }
  },
};

export const queuesAndLogsEncrypted: ResourceValidationPolicy = {
  name: 'qdp-queues-and-logs-encrypted',
  description:
    'Every SQS queue and every CloudWatch log group is encrypted with a customer-managed KMS key; every log group has a retention period.',
  enforcementLevel: 'mandatory',
  validateResource: [
    forType('aws:sqs/queue:Queue', (props, args, report) => {
      const key = props['kmsMasterKeyId'];
      if (!nonEmptyString(key) || key === 'alias/aws/sqs') {
        report(
          `SQS queue ${args.name}: not encrypted with a customer-managed key (kmsMasterKeyId)`,
        );
      }
    }),
    forType('aws:cloudwatch/logGroup:LogGroup', (props, args, report) => {
      if (!nonEmptyString(props['kmsKeyId'])) {
        report(`log group ${args.name}: not encrypted with a customer-managed key (kmsKeyId)`);
      }
      if (!(Number(props['retentionInDays']) > 0)) {
        report(`log group ${args.name}: kept forever (retentionInDays missing)`);
      }
    }),
  ],
};

const ANYWHERE = ['0.0.0.0/0', '::/0'];

/** Ports a load balancer's listeners may open to anywhere: HTTPS, and HTTP to redirect it. */
export const LISTENER_PORTS = [443, 80];

export const noIngressFromAnywhere: StackValidationPolicy = {
  name: 'qdp-no-ingress-from-anywhere',
  description:
    "No security group admits traffic from 0.0.0.0/0 or ::/0, except a load balancer's group on its listener ports (443, and 80 to redirect).",
  enforcementLevel: 'mandatory',
  validateStack: ({ resources }, report) => {
    // Groups that belong to a load balancer: given to one's securityGroups.
    const balancers = resources.filter((r) => r.type === 'aws:lb/loadBalancer:LoadBalancer');
    const isBalancerGroup = (groupId: unknown, group?: PolicyResource): boolean =>
      balancers.some(
        (lb) =>
          list(lb.props['securityGroups']).includes(groupId) ||
          (group !== undefined &&
            (lb.propertyDependencies['securityGroups'] ?? []).some((d) => d.urn === group.urn)),
      );
    const listenerOnly = (from: unknown, to: unknown) =>
      Number(from) === Number(to) && LISTENER_PORTS.includes(Number(from));
    const groupOf = (r: PolicyResource) => (r.propertyDependencies['securityGroupId'] ?? [])[0];
    for (const r of resources) {
      if (r.type === 'aws:ec2/securityGroup:SecurityGroup') {
        for (const rule of list(r.props['ingress']) as Props[]) {
          const open = [...list(rule['cidrBlocks']), ...list(rule['ipv6CidrBlocks'])].filter((c) =>
            ANYWHERE.includes(String(c)),
          );
          if (
            open.length > 0 &&
            !(listenerOnly(rule['fromPort'], rule['toPort']) && isBalancerGroup(undefined, r))
          ) {
            report(
              `security group ${r.name}: ingress on ports ${String(rule['fromPort'])}-${String(rule['toPort'])} from ${open.join(', ')}`,
              r.urn,
            );
          }
        }
      } else if (r.type === 'aws:ec2/securityGroupRule:SecurityGroupRule') {
        const open = [...list(r.props['cidrBlocks']), ...list(r.props['ipv6CidrBlocks'])].filter(
          (c) => ANYWHERE.includes(String(c)),
        );
        const allowed =
          listenerOnly(r.props['fromPort'], r.props['toPort']) &&
          isBalancerGroup(r.props['securityGroupId'], groupOf(r));
        if (r.props['type'] === 'ingress' && open.length > 0 && !allowed) {
          report(`security group rule ${r.name}: ingress from ${open.join(', ')}`, r.urn);
        }
      } else if (r.type === 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule') {
        const open = [r.props['cidrIpv4'], r.props['cidrIpv6']].filter((c) =>
          ANYWHERE.includes(String(c)),
        );
        const allowed =
          listenerOnly(r.props['fromPort'], r.props['toPort']) &&
          isBalancerGroup(r.props['securityGroupId'], groupOf(r));
        if (open.length > 0 && !allowed) {
          report(`ingress rule ${r.name}: from ${open.join(', ')}`, r.urn);
        }
      }
    }
  },
};

/** The database ports: Aurora PostgreSQL and Redshift Serverless. */
export const DATABASE_PORTS = [5432, 5439];

/** The database ports an ingress rule opens (all ports with protocol `-1`). */
function databasePortsOpened(protocol: unknown, fromPort: unknown, toPort: unknown): number[] {
  if (String(protocol) === '-1' || String(protocol) === 'all') return DATABASE_PORTS;
  const from = Number(fromPort);
  const to = Number(toPort);
  return DATABASE_PORTS.filter((p) => from <= p && p <= to);
}

export const databasePortsFromGroupsOnly: ResourceValidationPolicy = {
  name: 'qdp-database-ports-from-groups-only',
  description:
    'Ingress on a database port (PostgreSQL 5432, Redshift 5439) comes only from security groups, never from CIDR blocks or prefix lists.',
  enforcementLevel: 'mandatory',
  validateResource: [
    forType('aws:ec2/securityGroup:SecurityGroup', (props, args, report) => {
      for (const rule of list(props['ingress']) as Props[]) {
        const ports = databasePortsOpened(rule['protocol'], rule['fromPort'], rule['toPort']);
        const sources = [
          ...list(rule['cidrBlocks']),
          ...list(rule['ipv6CidrBlocks']),
          ...list(rule['prefixListIds']),
        ];
        if (ports.length > 0 && sources.length > 0) {
          report(
            `security group ${args.name}: port ${ports.join(', ')} open to ${sources.map(String).join(', ')}`,
          );
        }
      }
    }),
    forType('aws:ec2/securityGroupRule:SecurityGroupRule', (props, args, report) => {
      if (props['type'] !== 'ingress') return;
      const ports = databasePortsOpened(props['protocol'], props['fromPort'], props['toPort']);
      const sources = [
        ...list(props['cidrBlocks']),
        ...list(props['ipv6CidrBlocks']),
        ...list(props['prefixListIds']),
      ];
      if (ports.length > 0 && sources.length > 0) {
        report(
          `security group rule ${args.name}: port ${ports.join(', ')} open to ${sources.map(String).join(', ')}`,
        );
      }
    }),
    forType('aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule', (props, args, report) => {
      const ports = databasePortsOpened(props['ipProtocol'], props['fromPort'], props['toPort']);
      const sources = [props['cidrIpv4'], props['cidrIpv6'], props['prefixListId']].filter(
        nonEmptyString,
      );
      if (ports.length > 0 && sources.length > 0) {
        report(
          `ingress rule ${args.name}: port ${ports.join(', ')} open to ${sources.map(String).join(', ')}`,
        );
      }
    }),
  ],
};

/** Where each resource type keeps its IAM policy documents. */
const POLICY_DOCUMENTS: Record<string, (props: Props) => unknown[]> = {
  'aws:iam/role:Role': (p) => [
    p['assumeRolePolicy'],
    ...(list(p['inlinePolicies']) as Props[]).map((i) => i['policy']),
  ],
  'aws:iam/rolePolicy:RolePolicy': (p) => [p['policy']],
  'aws:iam/policy:Policy': (p) => [p['policy']],
  'aws:iam/userPolicy:UserPolicy': (p) => [p['policy']],
  'aws:iam/groupPolicy:GroupPolicy': (p) => [p['policy']],
  'aws:kms/key:Key': (p) => [p['policy']],
  'aws:s3/bucketPolicy:BucketPolicy': (p) => [p['policy']],
  'aws:sns/topicPolicy:TopicPolicy': (p) => [p['policy']],
  'aws:sqs/queuePolicy:QueuePolicy': (p) => [p['policy']],
  'aws:transfer/user:User': (p) => [p['policy']],
};

export const noWildcardActions: ResourceValidationPolicy = {
  name: 'qdp-no-wildcard-actions',
  description:
    'No IAM policy statement allows every action (`*`) or every action of a service (`s3:*`), nor uses NotAction in an Allow.',
  enforcementLevel: 'mandatory',
  validateResource: (args, report) => {
    const documents = POLICY_DOCUMENTS[args.type];
    if (documents === undefined) return;
    for (const document of documents(args.props)) {
      if (document === undefined || document === null) continue;
      for (const s of statements(document)) {
        if (s['Effect'] !== 'Allow') continue;
        if (s['NotAction'] !== undefined) {
          report(`${args.type.split(':').pop()} ${args.name}: Allow with NotAction`);
        }
        const wildcards = list(s['Action']).filter(
          (a) => a === '*' || /^[^:]+:\*$/.test(String(a)),
        );
        if (wildcards.length > 0) {
          report(
            `${args.type.split(':').pop()} ${args.name}: Allow of ${wildcards.join(', ')}${nonEmptyString(s['Sid']) ? ` (statement ${String(s['Sid'])})` : ''}`,
          );
        }
      }
    }
  },
};

/** Load balancer TLS policies we accept: TLS 1.2 and 1.3 only. */
export const CURRENT_TLS_POLICIES = [
  'ELBSecurityPolicy-TLS13-1-2-2021-06',
  'ELBSecurityPolicy-TLS13-1-2-Res-2021-06',
  'ELBSecurityPolicy-TLS13-1-3-2021-06',
];

export const portalSecure: ResourceValidationPolicy = {
  name: 'qdp-portal-secure',
  description:
    'Portal instances: launch templates require IMDSv2, encrypt every volume and name no key pair. Load balancers drop invalid headers; every listener is HTTPS with a TLS 1.2+ policy, or HTTP that only redirects to HTTPS.',
  enforcementLevel: 'mandatory',
  validateResource: [
    forType('aws:ec2/launchTemplate:LaunchTemplate', (props, args, report) => {
      const metadata = (props['metadataOptions'] ?? {}) as Props;
      if (metadata['httpTokens'] !== 'required') {
        report(`launch template ${args.name}: IMDSv2 not required (metadataOptions.httpTokens)`);
      }
      const unencrypted = (list(props['blockDeviceMappings']) as Props[]).filter(
        (m) => String(((m['ebs'] ?? {}) as Props)['encrypted']) !== 'true',
      );
      if (unencrypted.length > 0 || list(props['blockDeviceMappings']).length === 0) {
        report(`launch template ${args.name}: a volume is not encrypted`);
      }
      if (props['keyName'] !== undefined) {
        report(
          `launch template ${args.name}: key pair ${String(props['keyName'])} (Session Manager only)`,
        );
      }
    }),
    forType('aws:lb/loadBalancer:LoadBalancer', (props, args, report) => {
      if (
        props['loadBalancerType'] === 'application' &&
        props['dropInvalidHeaderFields'] !== true
      ) {
        report(`load balancer ${args.name}: invalid header fields not dropped`);
      }
    }),
    forType('aws:lb/listener:Listener', (props, args, report) => {
      if (props['protocol'] === 'HTTPS') {
        if (!CURRENT_TLS_POLICIES.includes(String(props['sslPolicy']))) {
          report(
            `listener ${args.name}: TLS policy ${String(props['sslPolicy'])} (expected one of ${CURRENT_TLS_POLICIES.join(', ')})`,
          );
        }
        return;
      }
      const actions = list(props['defaultActions']) as Props[];
      const redirects = actions.every(
        (a) => a['type'] === 'redirect' && ((a['redirect'] ?? {}) as Props)['protocol'] === 'HTTPS',
      );
      if (actions.length === 0 || !redirects) {
        report(
          `listener ${args.name}: plain ${String(props['protocol'])} that does not redirect to HTTPS`,
        );
      }
    }),
  ],
};

/**
 * Actions that AWS only allows on `*`: network interfaces of functions and Glue connections in a
 * VPC (they do not exist before they are made) and PutMetricData (no resource; then a
 * `cloudwatch:namespace` condition is required).
 */
export const ACTIONS_ONLY_ON_ANY_RESOURCE = [
  'ec2:CreateNetworkInterface',
  'ec2:DeleteNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DescribeSecurityGroups',
  'ec2:DescribeVpcEndpoints',
  'ec2:DescribeRouteTables',
  'ec2:DescribeVpcAttribute',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
  'ec2:CreateTags',
  'cloudwatch:PutMetricData',
];

/** IAM identity policies (not key or resource policies, where `*` means the resource itself). */
const IDENTITY_POLICY_TYPES = [
  'aws:iam/rolePolicy:RolePolicy',
  'aws:iam/policy:Policy',
  'aws:iam/userPolicy:UserPolicy',
  'aws:iam/groupPolicy:GroupPolicy',
];

export const noWildcardResources: ResourceValidationPolicy = {
  name: 'qdp-no-wildcard-resources',
  description:
    'An IAM identity policy allows `*` as the resource only for actions AWS offers on no narrower resource (VPC network interfaces; PutMetricData limited to one namespace).',
  enforcementLevel: 'mandatory',
  validateResource: (args, report) => {
    if (!IDENTITY_POLICY_TYPES.includes(args.type)) return;
    for (const s of statements(args.props['policy'])) {
      if (s['Effect'] !== 'Allow' || !list(s['Resource']).includes('*')) continue;
      const others = list(s['Action']).filter(
        (a) => !ACTIONS_ONLY_ON_ANY_RESOURCE.includes(String(a)),
      );
      const label = `${args.type.split(':').pop()} ${args.name}${nonEmptyString(s['Sid']) ? ` (statement ${String(s['Sid'])})` : ''}`;
      if (others.length > 0) {
        report(`${label}: ${others.join(', ')} on any resource`);
      }
      const condition = (s['Condition'] ?? {}) as Record<string, Props | undefined>;
      if (
        list(s['Action']).includes('cloudwatch:PutMetricData') &&
        !nonEmptyString(condition['StringEquals']?.['cloudwatch:namespace'])
      ) {
        report(`${label}: cloudwatch:PutMetricData without a cloudwatch:namespace condition`);
      }
    }
  },
};

/** Every rule, in the order a policy pack lists them. */
export const platformPolicies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
  s3BucketKmsEncryption,
  s3BucketPublicAccessBlocked,
  s3BucketTlsOnly,
  snsTopicKms,
  transferServerSecure,
  rdsClusterProtected,
  redshiftServerlessProtected,
  noIngressFromAnywhere,
  databasePortsFromGroupsOnly,
  noWildcardActions,
  noWildcardResources,
  glueEncrypted,
  secretsManaged,
  lambdaSecure,
  lambdaDeadLetters,
  queuesAndLogsEncrypted,
  portalSecure,
];
