// The portal's web application firewall (CKV2_AWS_28): an AWS WAF web ACL on the load balancer with
// AWS's managed rule groups (common rules, known bad inputs, IP reputation) and a rate-based rule
// per client address, its logs kept in a KMS-encrypted log group with the log retention. The logs
// leave out what may identify a person or a session: the Cookie and Authorization headers, the
// query string and the path (a hand-typed patient or search address may hold a fiscal code).
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { physicalName } from './naming.ts';

/** AWS's managed rule groups on the portal, in priority order. */
export const WAF_MANAGED_RULE_GROUPS = [
  'AWSManagedRulesCommonRuleSet',
  'AWSManagedRulesKnownBadInputsRuleSet',
  'AWSManagedRulesAmazonIpReputationList',
] as const;
/** The window (seconds) over which the rate-based rule counts a client address's requests. */
export const WAF_RATE_WINDOW_SECONDS = 300;
/** AWS WAF requires this prefix on the name of a log group it writes to. */
export const WAF_LOG_GROUP_PREFIX = 'aws-waf-logs-';

export interface PortalFirewallArgs {
  loadBalancerArn: pulumi.Input<string>;
  kmsKeyArn: pulumi.Input<string>;
  logRetentionDays: pulumi.Input<number>;
  /** Requests one client address may make in 5 minutes before it is blocked. */
  rateLimitPerAddress: pulumi.Input<number>;
}

function visibility(metricName: string) {
  return { cloudwatchMetricsEnabled: true, sampledRequestsEnabled: false, metricName };
}

/** @internal The web ACL, its association with the load balancer and its logging. */
export function portalFirewall(
  name: string,
  args: PortalFirewallArgs,
  parent: pulumi.Resource,
): aws.wafv2.WebAcl {
  const aclName = physicalName('webAcl', name, 'portal');
  const managed = WAF_MANAGED_RULE_GROUPS.map((group, i) => ({
    name: group,
    priority: i + 1,
    overrideAction: { none: {} },
    statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: group } },
    visibilityConfig: visibility(`${aclName}-${group}`),
  }));
  const acl = new aws.wafv2.WebAcl(
    `${name}-portal`,
    {
      name: aclName,
      description: 'Portal load balancer: AWS managed rules and a rate limit per client address',
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      rules: [
        ...managed,
        {
          name: 'rate-per-client-address',
          priority: managed.length + 1,
          action: { block: {} },
          statement: {
            rateBasedStatement: {
              limit: args.rateLimitPerAddress,
              aggregateKeyType: 'IP',
              evaluationWindowSec: WAF_RATE_WINDOW_SECONDS,
            },
          },
          visibilityConfig: visibility(`${aclName}-rate`),
        },
      ],
      visibilityConfig: visibility(aclName),
    },
    { parent },
  );
  new aws.wafv2.WebAclAssociation(
    `${name}-portal`,
    { resourceArn: args.loadBalancerArn, webAclArn: acl.arn },
    { parent },
  );
  const logGroup = new aws.cloudwatch.LogGroup(
    `${name}-portal-waf`,
    {
      name: physicalName('logGroup', name, 'portal', WAF_LOG_GROUP_PREFIX),
      retentionInDays: args.logRetentionDays,
      kmsKeyId: args.kmsKeyArn,
    },
    { parent },
  );
  new aws.wafv2.WebAclLoggingConfiguration(
    `${name}-portal`,
    {
      resourceArn: acl.arn,
      logDestinationConfigs: [logGroup.arn],
      redactedFields: [
        { singleHeader: { name: 'cookie' } },
        { singleHeader: { name: 'authorization' } },
        { queryString: {} },
        { uriPath: {} },
      ],
    },
    { parent },
  );
  return acl;
}
