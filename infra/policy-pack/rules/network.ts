// The VPC and its security groups.
import type { PolicyResource } from '@pulumi/policy';
import {
  dependsOn,
  list,
  nonEmptyString,
  ofType,
  stackRule,
  TYPES,
  type Props,
} from './support.ts';

/** Resources of `type` given the VPC's id in `vpcId`. */
function ofVpc(resources: PolicyResource[], type: string, vpc: PolicyResource): PolicyResource[] {
  return ofType(resources, type).filter((r) => dependsOn(r, 'vpcId', vpc));
}

export const vpcFlowLogs = stackRule(
  {
    name: 'qdp-vpc-flow-logs',
    controls: ['EC2.6', 'CKV2_AWS_11'],
    severity: 'medium',
    description:
      'Every VPC the stack creates records flow logs of all traffic (accepted and rejected).',
    remediationSteps:
      'Declare an aws.ec2.FlowLog for the VPC with trafficType "ALL" into a KMS-encrypted log group with the log retention.',
  },
  ({ resources }, report) => {
    for (const vpc of ofType(resources, TYPES.vpc)) {
      const logs = ofVpc(resources, TYPES.flowLog, vpc);
      if (!logs.some((l) => l.props['trafficType'] === 'ALL')) {
        report(
          `VPC ${vpc.name}: no flow log of all traffic (${logs.map((l) => String(l.props['trafficType'])).join(', ') || 'none'})`,
          vpc.urn,
        );
      }
    }
  },
);

export const vpcDefaultSecurityGroupClosed = stackRule(
  {
    name: 'qdp-vpc-default-security-group-closed',
    controls: ['EC2.2', 'CKV2_AWS_12'],
    severity: 'medium',
    description: 'The default security group of every VPC the stack creates has no rules.',
    remediationSteps:
      'Declare an aws.ec2.DefaultSecurityGroup for the VPC with no ingress and no egress (it takes the group over and removes its rules).',
  },
  ({ resources }, report) => {
    for (const vpc of ofType(resources, TYPES.vpc)) {
      const groups = ofVpc(resources, TYPES.defaultSecurityGroup, vpc);
      if (groups.length !== 1) {
        report(
          `VPC ${vpc.name}: its default security group is not taken over (no DefaultSecurityGroup)`,
          vpc.urn,
        );
        continue;
      }
      const rules =
        list(groups[0]!.props['ingress']).length + list(groups[0]!.props['egress']).length;
      if (rules > 0) {
        report(`VPC ${vpc.name}: its default security group keeps ${rules} rule(s)`, vpc.urn);
      }
    }
  },
);

/**
 * The AWS services the platform's workloads call from private subnets with no route to the
 * internet: S3 through a gateway endpoint, the others through interface endpoints.
 */
export const PRIVATE_SUBNET_SERVICES = ['s3', 'secretsmanager', 'kms', 'logs', 'sts', 'glue'];

export const vpcEndpoints = stackRule(
  {
    name: 'qdp-vpc-endpoints',
    controls: ['EC2.10'],
    severity: 'low',
    description: `Every VPC the stack creates has endpoints for the AWS services used from its private subnets (${PRIVATE_SUBNET_SERVICES.join(', ')}).`,
    remediationSteps:
      'Declare an aws.ec2.VpcEndpoint per service (S3 as a Gateway endpoint on the private route tables, the others as Interface endpoints with private DNS).',
  },
  ({ resources }, report) => {
    for (const vpc of ofType(resources, TYPES.vpc)) {
      const services = ofVpc(resources, TYPES.vpcEndpoint, vpc).map((e) =>
        String(e.props['serviceName']).split('.').pop(),
      );
      const missing = PRIVATE_SUBNET_SERVICES.filter((s) => !services.includes(s));
      if (missing.length > 0) {
        report(`VPC ${vpc.name}: no endpoint for ${missing.join(', ')}`, vpc.urn);
      }
    }
  },
);

const ANYWHERE = ['0.0.0.0/0', '::/0'];

/** Ports a load balancer's listeners may open to anywhere: HTTPS, and HTTP to redirect it. */
export const LISTENER_PORTS = [443, 80];

export const noIngressFromAnywhere = stackRule(
  {
    name: 'qdp-no-ingress-from-anywhere',
    controls: ['EC2.18', 'EC2.19'],
    severity: 'high',
    description:
      "No security group admits traffic from 0.0.0.0/0 or ::/0, except a load balancer's group on its listener ports (443, and 80 to redirect).",
    remediationSteps:
      'Admit only the load balancer security group on the instances; restrict who reaches the load balancer with portalAllowedCidrs.',
  },
  ({ resources }, report) => {
    const balancers = ofType(resources, TYPES.loadBalancer);
    const isBalancerGroup = (groupId: unknown, group?: PolicyResource): boolean =>
      balancers.some(
        (lb) =>
          list(lb.props['securityGroups']).includes(groupId) ||
          (group !== undefined && dependsOn(lb, 'securityGroups', group)),
      );
    const listenerOnly = (from: unknown, to: unknown) =>
      Number(from) === Number(to) && LISTENER_PORTS.includes(Number(from));
    const groupOf = (r: PolicyResource) => (r.propertyDependencies['securityGroupId'] ?? [])[0];
    for (const r of resources) {
      if (r.type === TYPES.securityGroup) {
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
      } else if (r.type === TYPES.securityGroupRule) {
        const open = [...list(r.props['cidrBlocks']), ...list(r.props['ipv6CidrBlocks'])].filter(
          (c) => ANYWHERE.includes(String(c)),
        );
        const allowed =
          listenerOnly(r.props['fromPort'], r.props['toPort']) &&
          isBalancerGroup(r.props['securityGroupId'], groupOf(r));
        if (r.props['type'] === 'ingress' && open.length > 0 && !allowed) {
          report(`security group rule ${r.name}: ingress from ${open.join(', ')}`, r.urn);
        }
      } else if (r.type === TYPES.ingressRule) {
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
);

/** The ports of the stack's databases: each Aurora cluster's and each Redshift workgroup's. */
export function databasePorts(resources: PolicyResource[]): number[] {
  const ports = [
    ...ofType(resources, TYPES.rdsCluster).map((c) => Number(c.props['port'] ?? 5432)),
    ...ofType(resources, TYPES.redshiftWorkgroup).map((w) => Number(w.props['port'] ?? 5439)),
  ];
  return [...new Set(ports)].sort((a, b) => a - b);
}

/** The database ports an ingress rule opens (all of them with protocol `-1`). */
function portsOpened(
  ports: number[],
  protocol: unknown,
  fromPort: unknown,
  toPort: unknown,
): number[] {
  if (String(protocol) === '-1' || String(protocol) === 'all') return ports;
  return ports.filter((p) => Number(fromPort) <= p && p <= Number(toPort));
}

export const databasePortsFromGroupsOnly = stackRule(
  {
    name: 'qdp-database-ports-from-groups-only',
    controls: [],
    severity: 'high',
    description:
      "Ingress on a database's port (each Aurora cluster's and Redshift workgroup's) comes only from security groups, never from CIDR blocks or prefix lists.",
    remediationSteps:
      'Admit the clients by security group (referencedSecurityGroupId / sourceSecurityGroupId).',
  },
  ({ resources }, report) => {
    const ports = databasePorts(resources);
    const check = (
      r: PolicyResource,
      label: string,
      protocol: unknown,
      from: unknown,
      to: unknown,
      sources: unknown[],
    ) => {
      const opened = portsOpened(ports, protocol, from, to);
      const given = sources.filter(nonEmptyString);
      if (opened.length > 0 && given.length > 0) {
        report(`${label}: port ${opened.join(', ')} open to ${given.join(', ')}`, r.urn);
      }
    };
    for (const r of resources) {
      if (r.type === TYPES.securityGroup) {
        for (const rule of list(r.props['ingress']) as Props[]) {
          check(r, `security group ${r.name}`, rule['protocol'], rule['fromPort'], rule['toPort'], [
            ...list(rule['cidrBlocks']),
            ...list(rule['ipv6CidrBlocks']),
            ...list(rule['prefixListIds']),
          ]);
        }
      } else if (r.type === TYPES.securityGroupRule && r.props['type'] === 'ingress') {
        check(
          r,
          `security group rule ${r.name}`,
          r.props['protocol'],
          r.props['fromPort'],
          r.props['toPort'],
          [
            ...list(r.props['cidrBlocks']),
            ...list(r.props['ipv6CidrBlocks']),
            ...list(r.props['prefixListIds']),
          ],
        );
      } else if (r.type === TYPES.ingressRule) {
        check(
          r,
          `ingress rule ${r.name}`,
          r.props['ipProtocol'],
          r.props['fromPort'],
          r.props['toPort'],
          [r.props['cidrIpv4'], r.props['cidrIpv6'], r.props['prefixListId']],
        );
      }
    }
  },
);

export const networkRules = [
  vpcFlowLogs,
  vpcDefaultSecurityGroupClosed,
  vpcEndpoints,
  noIngressFromAnywhere,
  databasePortsFromGroupsOnly,
];
