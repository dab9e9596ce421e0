// Tags: the caller's `tags` and the platform's own (which instance, which authority) on every
// taggable resource the component declares, applied in one place: a transformation registered on
// the component, which the Pulumi SDK runs for each of its descendants. (A `transforms` entry would
// run in the engine, which Pulumi's unit-test mocks do not emulate for children; the one packaged
// component, awsx's Vpc, passes its `tags` on to the resources it makes.)
import * as pulumi from '@pulumi/pulumi';

/** The tags every taggable resource carries, whatever the caller's tags say. */
export const PLATFORM_TAG_KEYS = {
  /** The component instance's name. */
  instance: 'quarantine:instance',
  /** The health authority (`authorityName`). */
  authority: 'quarantine:authority',
} as const;

/** At most this many caller tags: AWS allows 50 per resource; the platform adds its own. */
export const MAX_CALLER_TAGS = 40;

/**
 * The resource types the component declares that take a `tags` map (their `Args` declare
 * `tags`; test/infra checks this list against @pulumi/aws's declarations). S3 objects are left
 * out (object tags are limited to 10 and billed per object).
 */
export const TAGGABLE_TYPES: ReadonlySet<string> = new Set([
  'aws:backup/plan:Plan',
  'aws:backup/vault:Vault',
  'aws:cloudwatch/eventRule:EventRule',
  'aws:cloudwatch/logGroup:LogGroup',
  'aws:cloudwatch/metricAlarm:MetricAlarm',
  'aws:ec2/defaultSecurityGroup:DefaultSecurityGroup',
  'aws:ec2/flowLog:FlowLog',
  'aws:ec2/launchTemplate:LaunchTemplate',
  'aws:ec2/securityGroup:SecurityGroup',
  'aws:ec2/vpcEndpoint:VpcEndpoint',
  'aws:glue/catalogDatabase:CatalogDatabase',
  'aws:glue/connection:Connection',
  'aws:glue/crawler:Crawler',
  'aws:glue/job:Job',
  'aws:glue/trigger:Trigger',
  'aws:glue/workflow:Workflow',
  'aws:iam/instanceProfile:InstanceProfile',
  'aws:iam/role:Role',
  'aws:kms/key:Key',
  'aws:lambda/function:Function',
  'aws:lb/listener:Listener',
  'aws:lb/loadBalancer:LoadBalancer',
  'aws:lb/targetGroup:TargetGroup',
  'aws:rds/cluster:Cluster',
  'aws:rds/clusterInstance:ClusterInstance',
  'aws:rds/clusterParameterGroup:ClusterParameterGroup',
  'aws:rds/subnetGroup:SubnetGroup',
  'aws:redshiftserverless/namespace:Namespace',
  'aws:redshiftserverless/workgroup:Workgroup',
  'aws:s3/bucket:Bucket',
  'aws:secretsmanager/secret:Secret',
  'aws:sns/topic:Topic',
  'aws:sqs/queue:Queue',
  'aws:transfer/server:Server',
  'aws:transfer/user:User',
  'aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule',
  'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule',
  'aws:wafv2/webAcl:WebAcl',
  'awsx:ec2:Vpc',
]);

/** The Auto Scaling group takes a list of tags, each also given to the instances it launches. */
export const AUTOSCALING_GROUP = 'aws:autoscaling/group:Group';

/** The caller's tags, then the platform's (which win). */
export function platformTags(
  instance: string,
  authorityName: pulumi.Input<string>,
  callerTags: Record<string, string>,
): pulumi.Output<Record<string, string>> {
  return pulumi.output(authorityName).apply((authority): Record<string, string> => ({
    ...callerTags,
    [PLATFORM_TAG_KEYS.instance]: instance,
    [PLATFORM_TAG_KEYS.authority]: authority,
  }));
}

/**
 * @internal The transformation that gives every taggable descendant `tags`, merged under the tags the
 * resource sets itself.
 */
export function tagTransformation(
  tags: pulumi.Output<Record<string, string>>,
): pulumi.ResourceTransformation {
  return (args) => {
    if (TAGGABLE_TYPES.has(args.type)) {
      const own = args.props['tags'] as pulumi.Input<Record<string, string>> | undefined;
      return {
        props: {
          ...args.props,
          tags: pulumi.all([tags, own ?? {}]).apply(([platform, mine]) => ({
            ...platform,
            ...mine,
          })),
        },
        opts: args.opts,
      };
    }
    if (args.type === AUTOSCALING_GROUP) {
      return {
        props: {
          ...args.props,
          tags: tags.apply((all) =>
            Object.entries(all).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
          ),
        },
        opts: args.opts,
      };
    }
    return undefined;
  };
}

const TAG_TEXT = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$/u;

/** @internal Problems with the caller's tags (AWS's rules for tag keys and values). */
export function validateTags(tags: Record<string, string>): string[] {
  const problems: string[] = [];
  const entries = Object.entries(tags);
  if (entries.length > MAX_CALLER_TAGS) {
    problems.push(`tags: ${entries.length} given, at most ${MAX_CALLER_TAGS}`);
  }
  for (const [key, value] of entries) {
    if (key.length === 0 || key.length > 128 || !TAG_TEXT.test(key)) {
      problems.push(
        `tags: key "${key}" must be 1 to 128 characters: letters, digits, spaces and _ . : / = + - @`,
      );
    } else if (key.toLowerCase().startsWith('aws:')) {
      problems.push(`tags: key "${key}" must not start with "aws:" (reserved by AWS)`);
    } else if (Object.values(PLATFORM_TAG_KEYS).includes(key as never)) {
      problems.push(`tags: key "${key}" is set by the component (the instance and the authority)`);
    }
    if (typeof value !== 'string' || value.length > 256 || !TAG_TEXT.test(value)) {
      problems.push(
        `tags: value of "${key}" must be up to 256 characters: letters, digits, spaces and _ . : / = + - @`,
      );
    }
  }
  return problems;
}
