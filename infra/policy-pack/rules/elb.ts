// The portal's load balancer: headers, logs, deletion protection, WAF, TLS, the hop to targets.
import type { PolicyResource } from '@pulumi/policy';
import {
  dependsOn,
  forType,
  nonEmptyString,
  object,
  objects,
  ofType,
  resourceRule,
  stackRule,
  TYPES,
} from './support.ts';

const isApplication = (props: Record<string, unknown>) =>
  (props['loadBalancerType'] ?? 'application') === 'application';

export const elbDropInvalidHeaders = resourceRule(
  {
    name: 'qdp-elb-drop-invalid-headers',
    controls: ['ELB.4', 'CKV_AWS_131'],
    severity: 'medium',
    description: 'Every application load balancer drops HTTP headers with invalid fields.',
    remediationSteps: 'Set dropInvalidHeaderFields true.',
  },
  forType(TYPES.loadBalancer, (props, args, report) => {
    if (isApplication(props) && props['dropInvalidHeaderFields'] !== true) {
      report(`load balancer ${args.name}: invalid header fields not dropped`);
    }
  }),
);

export const elbAccessLogs = resourceRule(
  {
    name: 'qdp-elb-access-logs',
    controls: ['ELB.5', 'CKV_AWS_91'],
    severity: 'medium',
    description: 'Every load balancer writes access logs to a bucket.',
    remediationSteps: 'Set accessLogs { bucket: <the log bucket>, enabled: true }.',
  },
  forType(TYPES.loadBalancer, (props, args, report) => {
    const logs = object(props['accessLogs']);
    if (logs['enabled'] !== true || !nonEmptyString(logs['bucket'])) {
      report(`load balancer ${args.name}: access logs off`);
    }
  }),
);

export const elbDeletionProtection = resourceRule(
  {
    name: 'qdp-elb-deletion-protection',
    controls: ['ELB.6', 'CKV_AWS_150'],
    severity: 'medium',
    description: 'Every load balancer has deletion protection on.',
    remediationSteps:
      "Leave the component's load balancer deletion protection argument at its default (true).",
  },
  forType(TYPES.loadBalancer, (props, args, report) => {
    if (props['enableDeletionProtection'] !== true) {
      report(`load balancer ${args.name}: deletion protection off`);
    }
  }),
);

/** What a web ACL's rules contain: AWS managed rule groups and rate-based rules. */
function aclStatements(acl: PolicyResource): { managed: number; rateBased: number } {
  const statements = objects(acl.props['rules']).map((r) => object(r['statement']));
  return {
    managed: statements.filter((s) => s['managedRuleGroupStatement'] !== undefined).length,
    rateBased: statements.filter((s) => s['rateBasedStatement'] !== undefined).length,
  };
}

export const elbWaf = stackRule(
  {
    name: 'qdp-elb-waf',
    controls: ['CKV2_AWS_28'],
    severity: 'high',
    description:
      'Every internet-facing application load balancer is behind an AWS WAF web ACL with AWS managed rule groups and a rate-based rule, whose logging is on.',
    remediationSteps:
      'Associate an aws.wafv2.WebAcl (managed rule groups and a rate-based rule) with the load balancer and give the ACL an aws.wafv2.WebAclLoggingConfiguration.',
  },
  ({ resources }, report) => {
    for (const lb of ofType(resources, TYPES.loadBalancer)) {
      if (!isApplication(lb.props) || lb.props['internal'] === true) continue;
      const acls = ofType(resources, TYPES.webAcl).filter((acl) =>
        ofType(resources, TYPES.webAclAssociation).some(
          (a) => dependsOn(a, 'resourceArn', lb) && dependsOn(a, 'webAclArn', acl),
        ),
      );
      if (acls.length !== 1) {
        report(`load balancer ${lb.name}: ${acls.length} web ACLs (expected 1)`, lb.urn);
        continue;
      }
      const acl = acls[0]!;
      const { managed, rateBased } = aclStatements(acl);
      if (managed === 0 || rateBased === 0) {
        report(
          `web ACL ${acl.name}: ${managed} managed rule group(s) and ${rateBased} rate-based rule(s) (expected at least one of each)`,
          acl.urn,
        );
      }
      const logged = ofType(resources, TYPES.webAclLogging).some((l) =>
        dependsOn(l, 'resourceArn', acl),
      );
      if (!logged) report(`web ACL ${acl.name}: logging off`, acl.urn);
    }
  },
);

/** Load balancer TLS policies we accept: TLS 1.2 and 1.3 only. */
export const CURRENT_TLS_POLICIES = [
  'ELBSecurityPolicy-TLS13-1-2-2021-06',
  'ELBSecurityPolicy-TLS13-1-2-Res-2021-06',
  'ELBSecurityPolicy-TLS13-1-3-2021-06',
];

export const elbTlsListeners = resourceRule(
  {
    name: 'qdp-elb-tls-listeners',
    controls: ['CKV_AWS_2', 'CKV_AWS_103'],
    severity: 'high',
    description:
      'Every listener is HTTPS with a TLS 1.2+ policy, or HTTP that only redirects to HTTPS.',
    remediationSteps: `Use protocol "HTTPS" with sslPolicy "${CURRENT_TLS_POLICIES[0]!}" and a certificate; make port 80 a redirect to HTTPS.`,
  },
  forType(TYPES.listener, (props, args, report) => {
    if (props['protocol'] === 'HTTPS') {
      if (!CURRENT_TLS_POLICIES.includes(String(props['sslPolicy']))) {
        report(
          `listener ${args.name}: TLS policy ${String(props['sslPolicy'])} (expected one of ${CURRENT_TLS_POLICIES.join(', ')})`,
        );
      }
      return;
    }
    const actions = objects(props['defaultActions']);
    const redirects = actions.every(
      (a) => a['type'] === 'redirect' && object(a['redirect'])['protocol'] === 'HTTPS',
    );
    if (actions.length === 0 || !redirects) {
      report(
        `listener ${args.name}: plain ${String(props['protocol'])} that does not redirect to HTTPS`,
      );
    }
  }),
);

interface TargetConfig {
  allowHttpToTargets?: boolean;
}

export const elbTargetProtocol = resourceRule(
  {
    name: 'qdp-elb-target-protocol',
    controls: ['CKV_AWS_378'],
    severity: 'low',
    description:
      'Every target group speaks HTTPS to its targets, or HTTP inside a VPC where allowHttpToTargets (default true: the documented exception, the hop stays in the VPC between chained security groups) allows it.',
    remediationSteps:
      'Use protocol "HTTPS" with a certificate on the targets, or keep HTTP inside the VPC (vpcId) with the instances admitting only the load balancer group.',
    configSchema: {
      properties: {
        allowHttpToTargets: {
          type: 'boolean',
          default: true,
          description: 'Whether HTTP from the load balancer to targets inside the VPC is accepted.',
        },
      },
    },
  },
  forType(TYPES.targetGroup, (props, args, report) => {
    if (props['protocol'] !== 'HTTP') return;
    const allowHttp = args.getConfig<TargetConfig>().allowHttpToTargets ?? true;
    if (!allowHttp) report(`target group ${args.name}: HTTP to the targets (expected HTTPS)`);
    else if (!nonEmptyString(props['vpcId'])) {
      report(`target group ${args.name}: HTTP to targets outside a VPC`);
    }
  }),
);

export const elbRules = [
  elbDropInvalidHeaders,
  elbAccessLogs,
  elbDeletionProtection,
  elbWaf,
  elbTlsListeners,
  elbTargetProtocol,
];
