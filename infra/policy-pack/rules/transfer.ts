// Transfer Family: the SFTP server the Region's office uploads the daily file to.
import { forType, list, nonEmptyString, resourceRule, TYPES } from './support.ts';

export const transferSftpOnly = resourceRule(
  {
    name: 'qdp-transfer-sftp-only',
    controls: ['Transfer.2', 'CKV_AWS_357'],
    severity: 'high',
    description: 'Every Transfer Family server speaks SFTP only (no FTP, no FTPS).',
    remediationSteps: 'Set protocols ["SFTP"].',
  },
  forType(TYPES.transferServer, (props, args, report) => {
    const protocols = list(props['protocols']);
    if (protocols.length !== 1 || protocols[0] !== 'SFTP') {
      report(
        `Transfer server ${args.name}: protocols ${JSON.stringify(protocols)} (expected ["SFTP"])`,
      );
    }
  }),
);

/** The newest Transfer Family security policies at this release. */
export const NEWEST_TRANSFER_POLICIES = [
  'TransferSecurityPolicy-2025-03',
  'TransferSecurityPolicy-FIPS-2025-03',
];

export const transferSecurityPolicy = resourceRule(
  {
    name: 'qdp-transfer-security-policy',
    controls: ['CKV_AWS_380'],
    severity: 'medium',
    description: `Every Transfer Family server uses the newest security policy (${NEWEST_TRANSFER_POLICIES.join(' or ')}).`,
    remediationSteps: `Set securityPolicyName "${NEWEST_TRANSFER_POLICIES[0]!}".`,
  },
  forType(TYPES.transferServer, (props, args, report) => {
    const policy = props['securityPolicyName'];
    if (typeof policy !== 'string' || !NEWEST_TRANSFER_POLICIES.includes(policy)) {
      report(
        `Transfer server ${args.name}: security policy ${String(policy)} (expected one of ${NEWEST_TRANSFER_POLICIES.join(', ')})`,
      );
    }
  }),
);

export const transferLogging = resourceRule(
  {
    name: 'qdp-transfer-logging',
    controls: [],
    severity: 'medium',
    description:
      'Every Transfer Family server writes structured logs to a CloudWatch log group, with a logging role.',
    remediationSteps: 'Set structuredLogDestinations to the log group ARN and loggingRole.',
  },
  forType(TYPES.transferServer, (props, args, report) => {
    if (
      list(props['structuredLogDestinations']).length === 0 ||
      !nonEmptyString(props['loggingRole'])
    ) {
      report(
        `Transfer server ${args.name}: logging off (structuredLogDestinations and loggingRole are required)`,
      );
    }
  }),
);

interface EndpointConfig {
  allowPublicEndpoint?: boolean;
}

export const transferEndpoint = resourceRule(
  {
    name: 'qdp-transfer-endpoint',
    controls: ['CKV_AWS_164'],
    severity: 'low',
    description:
      "A Transfer Family server's endpoint is inside the VPC, unless allowPublicEndpoint (default true: the documented exception for the Region's office, which connects over the internet with SSH keys) allows PUBLIC.",
    remediationSteps:
      'Set the component arguments sftpEndpointType "VPC" and sftpAllowedCidrs (the office addresses), then allowPublicEndpoint false.',
    configSchema: {
      properties: {
        allowPublicEndpoint: {
          type: 'boolean',
          default: true,
          description: 'Whether a PUBLIC endpoint is accepted (the documented exception).',
        },
      },
    },
  },
  forType(TYPES.transferServer, (props, args, report) => {
    const endpoint = String(props['endpointType'] ?? 'PUBLIC');
    const allowPublic = args.getConfig<EndpointConfig>().allowPublicEndpoint ?? true;
    if (endpoint !== 'VPC' && !allowPublic) {
      report(`Transfer server ${args.name}: ${endpoint} endpoint (expected VPC)`);
    }
  }),
);

export const transferRules = [
  transferSftpOnly,
  transferSecurityPolicy,
  transferLogging,
  transferEndpoint,
];
