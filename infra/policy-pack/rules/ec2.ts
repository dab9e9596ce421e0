// The portal's instances: launch template and Auto Scaling group.
import { forType, list, nonEmptyString, object, objects, resourceRule, TYPES } from './support.ts';

export const ec2Imdsv2 = resourceRule(
  {
    name: 'qdp-ec2-imdsv2',
    controls: ['EC2.8', 'EC2.170', 'AutoScaling.3', 'CKV_AWS_79'],
    severity: 'high',
    description:
      'Every launch template requires IMDSv2 (session tokens) with a hop limit of 1, so a container on the instance cannot reach the metadata service.',
    remediationSteps: 'Set metadataOptions { httpTokens: "required", httpPutResponseHopLimit: 1 }.',
  },
  forType(TYPES.launchTemplate, (props, args, report) => {
    const metadata = object(props['metadataOptions']);
    if (metadata['httpTokens'] !== 'required') {
      report(`launch template ${args.name}: IMDSv2 not required (metadataOptions.httpTokens)`);
    }
    if (Number(metadata['httpPutResponseHopLimit']) !== 1) {
      report(
        `launch template ${args.name}: metadata hop limit ${String(metadata['httpPutResponseHopLimit'])} (expected 1)`,
      );
    }
  }),
);

export const ec2NoPublicIp = resourceRule(
  {
    name: 'qdp-ec2-no-public-ip',
    controls: ['EC2.9', 'CKV_AWS_88'],
    severity: 'high',
    description: 'No launch template gives its instances a public IP address.',
    remediationSteps:
      'Leave networkInterfaces[].associatePublicIpAddress unset or false; run the instances in private subnets.',
  },
  forType(TYPES.launchTemplate, (props, args, report) => {
    const publicIp = objects(props['networkInterfaces']).some(
      (i) => String(i['associatePublicIpAddress']) === 'true',
    );
    if (publicIp) report(`launch template ${args.name}: instances get a public IP address`);
  }),
);

export const ec2EncryptedVolumes = resourceRule(
  {
    name: 'qdp-ec2-encrypted-volumes',
    controls: ['EC2.3', 'EC2.7', 'CKV_AWS_8'],
    severity: 'high',
    description: 'Every volume of a launch template is encrypted.',
    remediationSteps: 'Set blockDeviceMappings[].ebs.encrypted "true" for every volume.',
  },
  forType(TYPES.launchTemplate, (props, args, report) => {
    const mappings = objects(props['blockDeviceMappings']);
    const unencrypted = mappings.filter((m) => String(object(m['ebs'])['encrypted']) !== 'true');
    if (unencrypted.length > 0 || mappings.length === 0) {
      report(`launch template ${args.name}: a volume is not encrypted`);
    }
  }),
);

export const ec2NoKeyPair = resourceRule(
  {
    name: 'qdp-ec2-no-key-pair',
    controls: [],
    severity: 'medium',
    description: 'No launch template names an SSH key pair: administrators use Session Manager.',
    remediationSteps: 'Remove keyName; connect with `aws ssm start-session`.',
  },
  forType(TYPES.launchTemplate, (props, args, report) => {
    if (props['keyName'] !== undefined) {
      report(
        `launch template ${args.name}: key pair ${String(props['keyName'])} (Session Manager only)`,
      );
    }
  }),
);

/**
 * Text in a boot script that is a secret rather than a way to fetch one (an ARN names where a
 * secret is, as in `QDP_PORTAL_SETTINGS_SECRET_ARN=arn:aws:secretsmanager:…`).
 */
const SECRET_IN_SCRIPT = [
  /(A3T[A-Z0-9]|AKIA|ASIA)[A-Z0-9]{16}/,
  /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
  /\b[A-Z_]*(PASSWORD|PASSWD|SECRET|TOKEN)[A-Z_]*=['"]?(?!arn:)[^\s'"$`(]{6,}/,
];

/** Whether decoded user data holds a secret. */
export function userDataHoldsSecret(userData: string): boolean {
  const text = /^[A-Za-z0-9+/=\s]+$/.test(userData)
    ? Buffer.from(userData, 'base64').toString('utf8')
    : userData;
  return SECRET_IN_SCRIPT.some((pattern) => pattern.test(text));
}

export const ec2NoSecretsInUserData = resourceRule(
  {
    name: 'qdp-ec2-no-secrets-in-user-data',
    controls: ['CKV_AWS_46'],
    severity: 'high',
    description:
      "No launch template's user data holds a secret (an access key, a private key, a password or token written out); the boot script reads secrets from Secrets Manager.",
    remediationSteps:
      'Keep the secret in Secrets Manager and read it at boot with the instance role (aws secretsmanager get-secret-value).',
  },
  forType(TYPES.launchTemplate, (props, args, report) => {
    if (nonEmptyString(props['userData']) && userDataHoldsSecret(props['userData'])) {
      report(`launch template ${args.name}: user data holds a secret`);
    }
  }),
);

export const autoScalingHealthChecks = resourceRule(
  {
    name: 'qdp-autoscaling-health-checks',
    controls: ['AutoScaling.1', 'AutoScaling.9'],
    severity: 'medium',
    description:
      "Every Auto Scaling group behind a load balancer uses the load balancer's health checks, and every group launches from a launch template.",
    remediationSteps:
      'Set healthCheckType "ELB" and launchTemplate { id, version } (not launchConfiguration).',
  },
  forType(TYPES.autoScalingGroup, (props, args, report) => {
    if (list(props['targetGroupArns']).length > 0 && props['healthCheckType'] !== 'ELB') {
      report(
        `Auto Scaling group ${args.name}: health checks ${String(props['healthCheckType'] ?? 'EC2')} behind a load balancer (expected ELB)`,
      );
    }
    if (props['launchTemplate'] === undefined && props['mixedInstancesPolicy'] === undefined) {
      report(`Auto Scaling group ${args.name}: no launch template`);
    }
  }),
);

export const ec2Rules = [
  ec2Imdsv2,
  ec2NoPublicIp,
  ec2EncryptedVolumes,
  ec2NoKeyPair,
  ec2NoSecretsInUserData,
  autoScalingHealthChecks,
];
