// What every rule file shares: the rule builders (control IDs, severity, remediation steps) and
// readers of resource inputs as the engine gives them (@pulumi/aws 7 shapes).
import type {
  PolicyComplianceFramework,
  PolicyConfigSchema,
  PolicyResource,
  ReportViolation,
  ResourceValidation,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  Severity,
  StackValidation,
  StackValidationPolicy,
} from '@pulumi/policy';

export type Props = Record<string, unknown>;
export type PlatformPolicy = ResourceValidationPolicy | StackValidationPolicy;

/** What a rule says of itself besides its check. */
export interface RuleSpec {
  /** `qdp-<area>-<what>`. */
  name: string;
  /**
   * The controls the rule enforces: AWS Security Hub FSBP IDs (`RDS.7`) and Checkov IDs
   * (`CKV_AWS_139`), as SECURITY-BASELINE lists them; empty for the platform's own rules.
   */
  controls: string[];
  severity: Severity;
  /** What must hold, in one sentence. */
  description: string;
  /** What to change when it does not hold (the component's argument, or the resource input). */
  remediationSteps: string;
  /** Settings a team may change with `--policy-pack-config` (JSON schema, with defaults). */
  configSchema?: PolicyConfigSchema;
}

const CHECKOV_ID = /^CKV2?_AWS_[0-9]+$/;

/** The framework a rule belongs to: FSBP when it enforces an FSBP control, else Checkov. */
function frameworkOf(controls: string[]): PolicyComplianceFramework | undefined {
  const fsbp = controls.filter((c) => !CHECKOV_ID.test(c));
  const checkov = controls.filter((c) => CHECKOV_ID.test(c));
  if (fsbp.length > 0) {
    return {
      name: 'AWS Foundational Security Best Practices',
      version: '1.0.0',
      reference: fsbp.join(', '),
      specification: 'https://docs.aws.amazon.com/securityhub/latest/userguide/fsbp-standard.html',
    };
  }
  if (checkov.length > 0) {
    return {
      name: 'Checkov AWS',
      version: '3',
      reference: checkov.join(', '),
      specification:
        'https://github.com/bridgecrewio/checkov/tree/main/checkov/terraform/checks/resource/aws',
    };
  }
  return undefined;
}

function common(spec: RuleSpec) {
  const framework = frameworkOf(spec.controls);
  return {
    name: spec.name,
    // The IDs lead the description, so a violation the CLI prints names its controls.
    description:
      spec.controls.length > 0
        ? `${spec.controls.join(', ')}: ${spec.description}`
        : spec.description,
    enforcementLevel: 'mandatory' as const,
    severity: spec.severity,
    ...(framework === undefined ? {} : { framework }),
    tags: spec.controls,
    remediationSteps: spec.remediationSteps,
    ...(spec.configSchema === undefined ? {} : { configSchema: spec.configSchema }),
  };
}

/** A rule that judges each resource on its own inputs. */
export function resourceRule(
  spec: RuleSpec,
  ...validations: ResourceValidation[]
): ResourceValidationPolicy {
  return { ...common(spec), validateResource: validations };
}

/** A rule that relates resources to one another (through the Outputs one was given). */
export function stackRule(spec: RuleSpec, validateStack: StackValidation): StackValidationPolicy {
  return { ...common(spec), validateStack };
}

/** A resource validation for one resource type. */
export function forType(
  type: string,
  check: (props: Props, args: ResourceValidationArgs, report: ReportViolation) => void,
): ResourceValidation {
  return (args, report) => {
    if (args.type === type) check(args.props, args, report);
  };
}

/** The resources of `type` that the engine records as given `resource`'s Output in `property`. */
export function attached(
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

/** Whether `resource` was given an Output of `other` in `property`. */
export function dependsOn(resource: PolicyResource, property: string, other: PolicyResource) {
  return (resource.propertyDependencies[property] ?? []).some((d) => d.urn === other.urn);
}

export function ofType(resources: PolicyResource[], type: string): PolicyResource[] {
  return resources.filter((r) => r.type === type);
}

export function list(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

export function objects(value: unknown): Props[] {
  return list(value).filter((v): v is Props => typeof v === 'object' && v !== null);
}

export function object(value: unknown): Props {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Props)
    : {};
}

export function nonEmptyString(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/** Statements of a policy document given as a JSON string or an object; [] when unreadable. */
export function statements(document: unknown): Props[] {
  let parsed: unknown = document;
  if (typeof document === 'string') {
    try {
      parsed = JSON.parse(document);
    } catch {
      return [];
    }
  }
  return objects(object(parsed)['Statement']);
}

/** ` (statement <Sid>)` when the statement has one. */
export function sid(statement: Props): string {
  return nonEmptyString(statement['Sid']) ? ` (statement ${statement['Sid']})` : '';
}

/** A value as the engine gives it: secrets come wrapped (`{ 4dabf…: sig, value }`). */
export function unwrap(value: unknown): unknown {
  if (typeof value === 'object' && value !== null && 'value' in value) {
    const keys = Object.keys(value);
    if (keys.length === 2 && keys.includes('4dabf18193072939515e22adb298388d')) {
      return (value as Props)['value'];
    }
  }
  return value;
}

/** The last part of a type token, for messages: `RolePolicy`. */
export function kind(type: string): string {
  return type.split(':').pop() ?? type;
}

export const TYPES = {
  bucket: 'aws:s3/bucket:Bucket',
  bucketEncryption:
    'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
  bucketPublicAccessBlock: 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock',
  bucketPolicy: 'aws:s3/bucketPolicy:BucketPolicy',
  bucketLogging: 'aws:s3/bucketLogging:BucketLogging',
  bucketOwnership: 'aws:s3/bucketOwnershipControls:BucketOwnershipControls',
  bucketLifecycle: 'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration',
  bucketVersioning: 'aws:s3/bucketVersioning:BucketVersioning',
  function: 'aws:lambda/function:Function',
  functionUrl: 'aws:lambda/functionUrl:FunctionUrl',
  permission: 'aws:lambda/permission:Permission',
  eventInvokeConfig: 'aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig',
  queue: 'aws:sqs/queue:Queue',
  queuePolicy: 'aws:sqs/queuePolicy:QueuePolicy',
  topic: 'aws:sns/topic:Topic',
  topicPolicy: 'aws:sns/topicPolicy:TopicPolicy',
  subscription: 'aws:sns/topicSubscription:TopicSubscription',
  metricAlarm: 'aws:cloudwatch/metricAlarm:MetricAlarm',
  logGroup: 'aws:cloudwatch/logGroup:LogGroup',
  glueJob: 'aws:glue/job:Job',
  glueCrawler: 'aws:glue/crawler:Crawler',
  glueConnection: 'aws:glue/connection:Connection',
  glueSecurityConfiguration: 'aws:glue/securityConfiguration:SecurityConfiguration',
  glueCatalogEncryption: 'aws:glue/dataCatalogEncryptionSettings:DataCatalogEncryptionSettings',
  rdsCluster: 'aws:rds/cluster:Cluster',
  rdsInstance: 'aws:rds/clusterInstance:ClusterInstance',
  rdsClusterParameterGroup: 'aws:rds/clusterParameterGroup:ClusterParameterGroup',
  backupVault: 'aws:backup/vault:Vault',
  backupSelection: 'aws:backup/selection:Selection',
  redshiftNamespace: 'aws:redshiftserverless/namespace:Namespace',
  redshiftWorkgroup: 'aws:redshiftserverless/workgroup:Workgroup',
  transferServer: 'aws:transfer/server:Server',
  launchTemplate: 'aws:ec2/launchTemplate:LaunchTemplate',
  autoScalingGroup: 'aws:autoscaling/group:Group',
  loadBalancer: 'aws:lb/loadBalancer:LoadBalancer',
  listener: 'aws:lb/listener:Listener',
  targetGroup: 'aws:lb/targetGroup:TargetGroup',
  webAcl: 'aws:wafv2/webAcl:WebAcl',
  webAclAssociation: 'aws:wafv2/webAclAssociation:WebAclAssociation',
  webAclLogging: 'aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration',
  vpc: 'aws:ec2/vpc:Vpc',
  flowLog: 'aws:ec2/flowLog:FlowLog',
  defaultSecurityGroup: 'aws:ec2/defaultSecurityGroup:DefaultSecurityGroup',
  vpcEndpoint: 'aws:ec2/vpcEndpoint:VpcEndpoint',
  securityGroup: 'aws:ec2/securityGroup:SecurityGroup',
  securityGroupRule: 'aws:ec2/securityGroupRule:SecurityGroupRule',
  ingressRule: 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule',
  key: 'aws:kms/key:Key',
  secret: 'aws:secretsmanager/secret:Secret',
  secretRotation: 'aws:secretsmanager/secretRotation:SecretRotation',
} as const;
