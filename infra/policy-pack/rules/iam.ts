// IAM policy documents: least privilege.
import {
  kind,
  list,
  nonEmptyString,
  object,
  objects,
  resourceRule,
  sid,
  statements,
  type Props,
} from './support.ts';

/** Where each resource type keeps its IAM policy documents. */
const POLICY_DOCUMENTS: Record<string, (props: Props) => unknown[]> = {
  'aws:iam/role:Role': (p) => [
    p['assumeRolePolicy'],
    ...objects(p['inlinePolicies']).map((i) => i['policy']),
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
  'aws:secretsmanager/secretPolicy:SecretPolicy': (p) => [p['policy']],
};

export const iamNoWildcardActions = resourceRule(
  {
    name: 'qdp-iam-no-wildcard-actions',
    controls: ['IAM.1', 'IAM.21', 'CKV_AWS_62', 'CKV_AWS_63'],
    severity: 'high',
    description:
      'No IAM policy statement allows every action (`*`) or every action of a service (`s3:*`), nor uses NotAction in an Allow.',
    remediationSteps: 'List the actions the role needs, one by one.',
  },
  (args, report) => {
    const documents = POLICY_DOCUMENTS[args.type];
    if (documents === undefined) return;
    for (const document of documents(args.props)) {
      for (const s of statements(document)) {
        if (s['Effect'] !== 'Allow') continue;
        if (s['NotAction'] !== undefined)
          report(`${kind(args.type)} ${args.name}: Allow with NotAction`);
        const wildcards = list(s['Action']).filter(
          (a) => a === '*' || /^[^:]+:\*$/.test(String(a)),
        );
        if (wildcards.length > 0) {
          report(`${kind(args.type)} ${args.name}: Allow of ${wildcards.join(', ')}${sid(s)}`);
        }
      }
    }
  },
);

/**
 * Actions that AWS only allows on `*`: network interfaces of functions and Glue connections in a
 * VPC (they do not exist before they are made), X-Ray traces, and PutMetricData (no resource;
 * then a `cloudwatch:namespace` condition is required).
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
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
];

/** IAM identity policies (not key or resource policies, where `*` means the resource itself). */
const IDENTITY_POLICY_TYPES = [
  'aws:iam/rolePolicy:RolePolicy',
  'aws:iam/policy:Policy',
  'aws:iam/userPolicy:UserPolicy',
  'aws:iam/groupPolicy:GroupPolicy',
];

export const iamNoWildcardResources = resourceRule(
  {
    name: 'qdp-iam-no-wildcard-resources',
    controls: ['CKV_AWS_355'],
    severity: 'high',
    description:
      'An IAM identity policy allows `*` as the resource only for actions AWS offers on no narrower resource (VPC network interfaces, X-Ray, PutMetricData limited to one namespace).',
    remediationSteps: 'Name the resources (ARNs) the actions apply to.',
  },
  (args, report) => {
    if (!IDENTITY_POLICY_TYPES.includes(args.type)) return;
    for (const s of statements(args.props['policy'])) {
      if (s['Effect'] !== 'Allow' || !list(s['Resource']).includes('*')) continue;
      const others = list(s['Action']).filter(
        (a) => !ACTIONS_ONLY_ON_ANY_RESOURCE.includes(String(a)),
      );
      const label = `${kind(args.type)} ${args.name}${sid(s)}`;
      if (others.length > 0) report(`${label}: ${others.join(', ')} on any resource`);
      const namespace = object(object(s['Condition'])['StringEquals'])['cloudwatch:namespace'];
      if (list(s['Action']).includes('cloudwatch:PutMetricData') && !nonEmptyString(namespace)) {
        report(`${label}: cloudwatch:PutMetricData without a cloudwatch:namespace condition`);
      }
    }
  },
);

export const iamRules = [iamNoWildcardActions, iamNoWildcardResources];
