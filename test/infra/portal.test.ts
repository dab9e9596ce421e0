// The Portal sub-component on its own (the platform declares it with the portal's real bundle,
// see platform.test.ts): launch template, Auto Scaling group, load balancer, listeners, security
// groups chained load balancer → instances → database, the instance role, the boot script.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadPortalConfig, PORTAL_ENVIRONMENT } from '../../portal/config.ts';
import { portalBundle } from '../../infra/artifacts.ts';
import {
  hashDirectory,
  Portal,
  PortalSettings,
  PORTAL_AMI,
  PORTAL_ENVIRONMENT_FILE,
  PORTAL_INSTALL_DIR,
  PORTAL_NODE,
  PORTAL_SERVICE,
  PORTAL_USER,
  QuarantineDataPlatform,
  portalSecretKeys,
  portalUserData,
  type PortalArgs,
} from '../../infra/index.ts';
import { CERTIFICATE_ARN, minimalArgs, typicalArgs } from './fixtures.ts';
import { ACCOUNT_ID, countsByType, installMocks, ofType, one, resolve, settle } from './mocks.ts';

const KEY = `arn:aws:kms:eu-south-1:${ACCOUNT_ID}:key/given`;
let bundleDir: string;

beforeAll(async () => {
  // Test input standing in for the portal's bundle: the component only zips and uploads it.
  bundleDir = await mkdtemp(path.join(tmpdir(), 'qdp-portal-test-'));
  await writeFile(path.join(bundleDir, 'qdp-portal.service'), '[Unit]\n');
});
afterAll(async () => {
  await rm(bundleDir, { recursive: true, force: true });
});

function args(extra: Partial<PortalArgs> = {}): PortalArgs {
  return {
    vpcId: 'vpc-1',
    privateSubnetIds: ['subnet-a', 'subnet-b'],
    publicSubnetIds: ['subnet-pa', 'subnet-pb'],
    kmsKeyArn: KEY,
    bucketName: 'landing',
    bucketArn: 'arn:aws:s3:::landing',
    databaseSecurityGroupId: 'sg-db',
    authorityName: 'ULSS 9 Scaligera',
    certificateArn: CERTIFICATE_ARN,
    logBucketName: 'access-logs',
    logBucketReady: [],
    bundleDir,
    ...extra,
  };
}

async function declare(extra: Partial<PortalArgs> = {}) {
  const rec = await installMocks();
  const portal = new Portal('solo', args(extra));
  const url = await resolve(portal.url);
  await settle(rec);
  expect(rec.unknownCalls).toEqual([]);
  return { rec, url, portal };
}

test('counts, parents and names', async () => {
  const { rec } = await declare();
  expect(countsByType(rec)).toEqual({
    'aws:autoscaling/group:Group': 1,
    'aws:cloudwatch/logGroup:LogGroup': 1,
    'aws:ec2/launchTemplate:LaunchTemplate': 1,
    'aws:ec2/securityGroup:SecurityGroup': 2,
    'aws:iam/instanceProfile:InstanceProfile': 1,
    'aws:iam/role:Role': 1,
    'aws:iam/rolePolicy:RolePolicy': 1,
    'aws:iam/rolePolicyAttachment:RolePolicyAttachment': 1,
    'aws:lb/listener:Listener': 2,
    'aws:lb/loadBalancer:LoadBalancer': 1,
    'aws:lb/targetGroup:TargetGroup': 1,
    'aws:s3/bucketObjectv2:BucketObjectv2': 1,
    'aws:secretsmanager/secret:Secret': 1,
    'aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule': 3,
    'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule': 4,
    'aws:wafv2/webAcl:WebAcl': 1,
    'aws:wafv2/webAclAssociation:WebAclAssociation': 1,
    'aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration': 1,
    'quarantine:portal:Portal': 1,
  });
  for (const r of rec.resources.filter((r) => r.custom)) {
    expect([r.name.startsWith('solo-'), r.parentType]).toEqual([true, 'quarantine:portal:Portal']);
  }
});

test('a settings secret declared before (PortalSettings): the Portal declares none and reads that one', async () => {
  const given = `arn:aws:secretsmanager:eu-south-1:${ACCOUNT_ID}:secret:given-portal-x`;
  const { rec, portal } = await declare({ settingsSecretArn: given });
  expect(ofType(rec, 'aws:secretsmanager/secret:Secret')).toEqual([]);
  expect(await resolve(portal.settingsSecretArn)).toBe(given);
  const policy = JSON.parse(
    String(one(rec, 'aws:iam/rolePolicy:RolePolicy', 'solo-portal').inputs['policy']),
  ) as { Statement: { Sid: string; Resource: unknown }[] };
  expect(policy.Statement.find((st) => st.Sid === 'ReadSettings')?.Resource).toBe(given);
  const script = Buffer.from(
    String(one(rec, 'aws:ec2/launchTemplate:LaunchTemplate', 'solo-portal').inputs['userData']),
    'base64',
  ).toString('utf8');
  expect(script).toContain(`--secret-id ${given} `);
  // On its own, the secret on the platform key, as the Portal would have declared it.
  const rec2 = await installMocks();
  const settings = new PortalSettings('solo', { kmsKeyArn: KEY });
  expect(await resolve(settings.secretArn)).toBe(
    `arn:aws:secretsmanager:eu-south-1:${ACCOUNT_ID}:secret:solo-portal-AbCdEf`,
  );
  await settle(rec2);
  expect(countsByType(rec2)).toEqual({
    'aws:secretsmanager/secret:Secret': 1,
    'quarantine:portal:PortalSettings': 1,
  });
  expect(one(rec2, 'aws:secretsmanager/secret:Secret', 'solo-portal').inputs['kmsKeyId']).toBe(KEY);
});

test('launchAfter: the Auto Scaling group waits for what writes the settings secret', async () => {
  const rec = await installMocks();
  let release: (resource: pulumi.Resource) => void = () => undefined;
  const launchAfter = new Promise<pulumi.Resource>((resolveGate) => {
    release = resolveGate;
  });
  const portal = new Portal('solo', args({ launchAfter }));
  await resolve(portal.url);
  // Everything else is declared (the launch template last); the group, which would follow it
  // within a few ticks, is not while the gate is closed.
  for (
    let i = 0;
    i < 200 && ofType(rec, 'aws:ec2/launchTemplate:LaunchTemplate').length === 0;
    i++
  ) {
    await new Promise((done) => setTimeout(done, 50));
  }
  expect(ofType(rec, 'aws:ec2/launchTemplate:LaunchTemplate').length).toBe(1);
  await new Promise((done) => setTimeout(done, 500));
  expect(ofType(rec, 'aws:autoscaling/group:Group')).toEqual([]);
  release(new aws.sqs.Queue('solo-gate', {}));
  await settle(rec);
  expect(ofType(rec, 'aws:autoscaling/group:Group').length).toBe(1);
}, 60_000);

test('launch template: AL2023 x86_64 from SSM, IMDSv2 required, encrypted volume, no key pair, the instance profile', async () => {
  const { rec } = await declare();
  const lt = one(rec, 'aws:ec2/launchTemplate:LaunchTemplate', 'solo-portal').inputs;
  const group = one(rec, 'aws:ec2/securityGroup:SecurityGroup', 'solo-portal');
  expect({ ...lt, userData: undefined }).toEqual({
    description: 'Quarantine data platform portal',
    imageId: PORTAL_AMI,
    instanceType: 't3.small',
    iamInstanceProfile: { arn: `arn:aws:iam::${ACCOUNT_ID}:instance-profile/solo-portal` },
    vpcSecurityGroupIds: [group.id],
    metadataOptions: {
      httpEndpoint: 'enabled',
      httpTokens: 'required',
      httpPutResponseHopLimit: 1,
      instanceMetadataTags: 'disabled',
    },
    blockDeviceMappings: [
      {
        deviceName: '/dev/xvda',
        ebs: { encrypted: 'true', volumeSize: 20, volumeType: 'gp3', deleteOnTermination: 'true' },
      },
    ],
    monitoring: { enabled: true },
    userData: undefined,
    updateDefaultVersion: true,
  });
  expect(PORTAL_AMI).toBe(
    'resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64',
  );
  expect(lt['keyName']).toBeUndefined();
  // The boot script: the bundle under a key carrying its hash, the settings secret, the unit.
  const key = `portal/bundle-${hashDirectory(bundleDir).slice(0, 16)}.zip`;
  const secret = `arn:aws:secretsmanager:eu-south-1:${ACCOUNT_ID}:secret:solo-portal-AbCdEf`;
  expect(Buffer.from(String(lt['userData']), 'base64').toString('utf8')).toBe(
    portalUserData({
      bucket: 'landing',
      bundleKey: key,
      secretArn: secret,
      region: 'eu-south-1',
      secureCookies: true,
      authorityName: 'ULSS 9 Scaligera',
    }),
  );
  const script = portalUserData({
    bucket: 'b',
    bundleKey: 'portal/x.zip',
    secretArn: 'arn:s',
    region: 'eu-south-1',
    secureCookies: true,
    authorityName: 'ASL "Roma 1"',
  });
  expect(script.split('\n').slice(0, 7)).toEqual([
    '#!/bin/bash',
    'set -euo pipefail',
    'dnf install -y nodejs22 unzip',
    '[ -e /usr/bin/node ] || ln -s "$(command -v node-22)" /usr/bin/node',
    'id qdp-portal >/dev/null 2>&1 || useradd --system --no-create-home --shell /sbin/nologin qdp-portal',
    'install -d -m 0755 /opt/qdp-portal',
    'aws s3 cp --region eu-south-1 s3://b/portal/x.zip /tmp/qdp-portal.zip',
  ]);
  expect(script).toContain("cat > /etc/qdp-portal/portal.env <<'SETTINGS'\n");
  expect(script).toContain('QDP_PORTAL_AUTHORITY_NAME="ASL \\"Roma 1\\""\n');
  expect(script).toContain('QDP_PORTAL_SECURE_COOKIES=true\n');
  expect(script).toContain('--secret-id arn:s ');
  expect(script.trimEnd().split('\n').slice(-3)).toEqual([
    'install -m 0644 /opt/qdp-portal/qdp-portal.service /etc/systemd/system/qdp-portal.service',
    'systemctl daemon-reload',
    'systemctl enable --now qdp-portal.service',
  ]);
  const object = one(rec, 'aws:s3/bucketObjectv2:BucketObjectv2', 'solo-portal-bundle').inputs;
  expect([
    object['bucket'],
    object['key'],
    object['serverSideEncryption'],
    object['kmsKeyId'],
  ]).toEqual(['landing', key, 'aws:kms', KEY]);
});

test('security groups: internet → load balancer 443/80 only; load balancer → instances 8080; instances → database 5433; no SSH', async () => {
  const { rec } = await declare();
  const alb = one(rec, 'aws:ec2/securityGroup:SecurityGroup', 'solo-alb');
  const instances = one(rec, 'aws:ec2/securityGroup:SecurityGroup', 'solo-portal');
  expect([alb.inputs['ingress'], instances.inputs['ingress']]).toEqual([undefined, undefined]);
  const rule = (r: { inputs: Record<string, unknown> }) => [
    r.inputs['securityGroupId'],
    r.inputs['fromPort'],
    r.inputs['cidrIpv4'] ?? r.inputs['referencedSecurityGroupId'],
  ];
  expect(
    ofType(rec, 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule').map(rule).sort(),
  ).toEqual(
    [
      [alb.id, 443, '0.0.0.0/0'],
      [alb.id, 80, '0.0.0.0/0'],
      [instances.id, 8080, alb.id],
      ['sg-db', 5433, instances.id],
    ].sort(),
  );
  expect(
    ofType(rec, 'aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule').map(rule).sort(),
  ).toEqual(
    [
      [alb.id, 8080, instances.id],
      [instances.id, 443, '0.0.0.0/0'],
      [instances.id, 5433, 'sg-db'],
    ].sort(),
  );
  const ports = ofType(rec, 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule').map(
    (r) => r.inputs['fromPort'],
  );
  expect(ports).not.toContain(22);
});

test('load balancer: internet-facing in the public subnets, HTTPS with the certificate and TLS 1.2+, HTTP redirected', async () => {
  const { rec, url } = await declare();
  const lb = one(rec, 'aws:lb/loadBalancer:LoadBalancer', 'solo-portal');
  expect(lb.inputs).toEqual({
    loadBalancerType: 'application',
    internal: false,
    subnets: ['subnet-pa', 'subnet-pb'],
    securityGroups: [one(rec, 'aws:ec2/securityGroup:SecurityGroup', 'solo-alb').id],
    dropInvalidHeaderFields: true,
    enableHttp2: true,
    enableDeletionProtection: true,
    accessLogs: { enabled: true, bucket: 'access-logs', prefix: 'portal-alb' },
  });
  const lbArn = `arn:aws:elasticloadbalancing:eu-south-1:${ACCOUNT_ID}:loadbalancer/app/solo-portal/50dc6c495c0c9188`;
  const tgArn = `arn:aws:elasticloadbalancing:eu-south-1:${ACCOUNT_ID}:targetgroup/solo-portal/73e2d6bc24d8a067`;
  expect(one(rec, 'aws:lb/listener:Listener', 'solo-portal-https').inputs).toEqual({
    loadBalancerArn: lbArn,
    port: 443,
    protocol: 'HTTPS',
    sslPolicy: 'ELBSecurityPolicy-TLS13-1-2-2021-06',
    certificateArn: CERTIFICATE_ARN,
    defaultActions: [{ type: 'forward', targetGroupArn: tgArn }],
  });
  expect(one(rec, 'aws:lb/listener:Listener', 'solo-portal-http').inputs).toEqual({
    loadBalancerArn: lbArn,
    port: 80,
    protocol: 'HTTP',
    defaultActions: [
      { type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } },
    ],
  });
  expect(one(rec, 'aws:lb/targetGroup:TargetGroup', 'solo-portal').inputs).toEqual({
    vpcId: 'vpc-1',
    port: 8080,
    protocol: 'HTTP',
    targetType: 'instance',
    deregistrationDelay: 30,
    healthCheck: {
      path: '/healthz',
      matcher: '200',
      interval: 15,
      healthyThreshold: 2,
      unhealthyThreshold: 3,
    },
  });
  expect(one(rec, 'aws:autoscaling/group:Group', 'solo-portal').inputs).toEqual({
    vpcZoneIdentifiers: ['subnet-a', 'subnet-b'],
    minSize: 2,
    maxSize: 4,
    desiredCapacity: 2,
    launchTemplate: {
      id: one(rec, 'aws:ec2/launchTemplate:LaunchTemplate', 'solo-portal').id,
      version: '1',
    },
    targetGroupArns: [tgArn],
    healthCheckType: 'ELB',
    healthCheckGracePeriod: 300,
    instanceRefresh: { strategy: 'Rolling', preferences: { minHealthyPercentage: 50 } },
  });
  expect(url).toBe('https://solo-portal-1234567890.eu-south-1.elb.amazonaws.com');
});

test('deletion protection and the rate limit follow their arguments', async () => {
  const { rec } = await declare({ deletionProtection: false, rateLimitPerAddress: 300 });
  const lb = one(rec, 'aws:lb/loadBalancer:LoadBalancer', 'solo-portal');
  expect(lb.inputs['enableDeletionProtection']).toBe(false);
  const acl = one(rec, 'aws:wafv2/webAcl:WebAcl', 'solo-portal');
  const rules = acl.inputs['rules'] as { statement: { rateBasedStatement?: { limit: number } } }[];
  expect(rules[3]?.statement.rateBasedStatement?.limit).toBe(300);
});

test('web application firewall: managed rules, a rate limit per address, on the load balancer, logs kept without personal data', async () => {
  const { rec } = await declare();
  const acl = one(rec, 'aws:wafv2/webAcl:WebAcl', 'solo-portal');
  const metrics = (metricName: string) => ({
    cloudwatchMetricsEnabled: true,
    sampledRequestsEnabled: false,
    metricName,
  });
  const managed = (name: string, priority: number) => ({
    name,
    priority,
    overrideAction: { none: {} },
    statement: { managedRuleGroupStatement: { vendorName: 'AWS', name } },
    visibilityConfig: metrics(`solo-portal-${name}`),
  });
  expect(acl.inputs).toEqual({
    name: 'solo-portal',
    description: 'Portal load balancer: AWS managed rules and a rate limit per client address',
    scope: 'REGIONAL',
    defaultAction: { allow: {} },
    rules: [
      managed('AWSManagedRulesCommonRuleSet', 1),
      managed('AWSManagedRulesKnownBadInputsRuleSet', 2),
      managed('AWSManagedRulesAmazonIpReputationList', 3),
      {
        name: 'rate-per-client-address',
        priority: 4,
        action: { block: {} },
        statement: {
          rateBasedStatement: { limit: 2000, aggregateKeyType: 'IP', evaluationWindowSec: 300 },
        },
        visibilityConfig: metrics('solo-portal-rate'),
      },
    ],
    visibilityConfig: metrics('solo-portal'),
  });
  const lbArn = `arn:aws:elasticloadbalancing:eu-south-1:${ACCOUNT_ID}:loadbalancer/app/solo-portal/50dc6c495c0c9188`;
  const aclArn = `arn:aws:wafv2:eu-south-1:${ACCOUNT_ID}:regional/webacl/solo-portal/${acl.id}`;
  expect(one(rec, 'aws:wafv2/webAclAssociation:WebAclAssociation', 'solo-portal').inputs).toEqual({
    resourceArn: lbArn,
    webAclArn: aclArn,
  });
  expect(one(rec, 'aws:cloudwatch/logGroup:LogGroup', 'solo-portal-waf').inputs).toEqual({
    name: 'aws-waf-logs-solo-portal',
    retentionInDays: 731,
    kmsKeyId: KEY,
  });
  expect(
    one(rec, 'aws:wafv2/webAclLoggingConfiguration:WebAclLoggingConfiguration', 'solo-portal')
      .inputs,
  ).toEqual({
    resourceArn: aclArn,
    logDestinationConfigs: [
      `arn:aws:logs:eu-south-1:${ACCOUNT_ID}:log-group:aws-waf-logs-solo-portal`,
    ],
    redactedFields: [
      { singleHeader: { name: 'cookie' } },
      { singleHeader: { name: 'authorization' } },
      { queryString: {} },
      { uriPath: {} },
    ],
  });
});

test('plain HTTP only when allowed: one HTTP listener forwarding, port 80 only, insecure cookies off', async () => {
  expect(() => new Portal('solo', args({ certificateArn: undefined }))).toThrow(
    'Portal: certificateArn is required unless allowPlainHttp is true',
  );
  const { rec, url } = await declare({
    certificateArn: undefined,
    allowPlainHttp: true,
    allowedCidrs: ['10.0.0.0/8'],
  });
  expect(
    ofType(rec, 'aws:lb/listener:Listener').map((l) => [
      l.name,
      l.inputs['protocol'],
      (l.inputs['defaultActions'] as { type: string }[])[0]!.type,
    ]),
  ).toEqual([['solo-portal-http', 'HTTP', 'forward']]);
  expect(
    ofType(rec, 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule')
      .filter((r) => r.inputs['cidrIpv4'] !== undefined)
      .map((r) => [r.inputs['fromPort'], r.inputs['cidrIpv4']]),
  ).toEqual([[80, '10.0.0.0/8']]);
  const lt = one(rec, 'aws:ec2/launchTemplate:LaunchTemplate', 'solo-portal').inputs;
  expect(Buffer.from(String(lt['userData']), 'base64').toString('utf8')).toContain(
    'QDP_PORTAL_SECURE_COOKIES=false\n',
  );
  expect(url).toBe('http://solo-portal-1234567890.eu-south-1.elb.amazonaws.com');
});

test('instance role: Session Manager, the bundle objects, the settings secret, the key; EC2 only', async () => {
  const { rec } = await declare();
  expect(
    JSON.parse(String(one(rec, 'aws:iam/role:Role', 'solo-portal').inputs['assumeRolePolicy'])),
  ).toEqual({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ],
  });
  expect(
    one(rec, 'aws:iam/rolePolicyAttachment:RolePolicyAttachment', 'solo-portal-ssm').inputs[
      'policyArn'
    ],
  ).toBe('arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore');
  expect(
    JSON.parse(String(one(rec, 'aws:iam/rolePolicy:RolePolicy', 'solo-portal').inputs['policy'])),
  ).toEqual({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'ReadBundle',
        Effect: 'Allow',
        Action: ['s3:GetObject'],
        Resource: 'arn:aws:s3:::landing/portal/*',
      },
      {
        Sid: 'ReadSettings',
        Effect: 'Allow',
        Action: ['secretsmanager:GetSecretValue'],
        Resource: `arn:aws:secretsmanager:eu-south-1:${ACCOUNT_ID}:secret:solo-portal-AbCdEf`,
      },
      { Sid: 'PlatformKey', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: KEY },
    ],
  });
  expect(one(rec, 'aws:secretsmanager/secret:Secret', 'solo-portal').inputs['kmsKeyId']).toBe(KEY);
});

test('the platform ships the portal’s own bundle, and the boot script matches its systemd unit and settings', async () => {
  const rec = await installMocks();
  const platform = new QuarantineDataPlatform('ulss9', typicalArgs);
  expect(await resolve(platform.portalUrl)).toBe(
    'https://ulss9-portal-1234567890.eu-south-1.elb.amazonaws.com',
  );
  await settle(rec);
  const dir = await portalBundle();
  const object = one(rec, 'aws:s3/bucketObjectv2:BucketObjectv2', 'ulss9-portal-bundle').inputs;
  expect(await (object['source'] as pulumi.asset.FileArchive).path).toBe(dir);
  const unit = await readFile(path.join(dir, PORTAL_SERVICE), 'utf8');
  const setting = (key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(unit)?.[1];
  expect([
    setting('EnvironmentFile'),
    setting('User'),
    setting('WorkingDirectory'),
    setting('ExecStart'),
  ]).toEqual([
    PORTAL_ENVIRONMENT_FILE,
    PORTAL_USER,
    PORTAL_INSTALL_DIR,
    `${PORTAL_NODE} ${PORTAL_INSTALL_DIR}/server.mjs`,
  ]);
  const script = Buffer.from(
    String(one(rec, 'aws:ec2/launchTemplate:LaunchTemplate', 'ulss9-portal').inputs['userData']),
    'base64',
  ).toString('utf8');
  // Every variable the boot script writes is one the portal reads.
  const written = [...script.matchAll(/^(QDP_PORTAL_[A-Z_]+)=/gm)].map((m) => m[1]);
  const fromSecret = ['QDP_PORTAL_DATABASE_URL', 'QDP_PORTAL_COOKIE_SECRET'];
  expect([...written, ...fromSecret].sort()).toEqual(
    [
      'QDP_PORTAL_AUTHORITY_NAME',
      'QDP_PORTAL_COOKIE_SECRET',
      'QDP_PORTAL_DATABASE_URL',
      'QDP_PORTAL_HOST',
      'QDP_PORTAL_PORT',
      'QDP_PORTAL_SECURE_COOKIES',
      'QDP_PORTAL_SETTINGS_SECRET_ARN',
      'QDP_PORTAL_TRUST_PROXY',
    ].sort(),
  );
  for (const name of [...written, ...fromSecret]) expect(PORTAL_ENVIRONMENT).toContain(name);
  // The portal accepts the settings as the unit's EnvironmentFile hands them over (values in
  // double quotes are unquoted by systemd), with the two secret ones from the settings secret.
  const environment: Record<string, string> = {
    QDP_PORTAL_DATABASE_URL: 'postgres://qdp_portal:x@db.example:5432/quarantine',
    QDP_PORTAL_COOKIE_SECRET: 'c'.repeat(32),
  };
  for (const [, key, value] of script.matchAll(/^(QDP_PORTAL_[A-Z_]+)=(.*)$/gm)) {
    environment[key!] = value!.startsWith('"') ? (JSON.parse(value!) as string) : value!;
  }
  expect(loadPortalConfig(environment)).toMatchObject({
    host: '0.0.0.0',
    port: 8080,
    secureCookies: true,
    trustProxy: true,
    authorityName: 'ULSS 9 Scaligera',
  });
  expect(script).toContain(`--secret-id ${await resolve(platform.portalSettingsSecretArn)} `);
  // The portal's alarms watch this load balancer.
  expect(
    one(rec, 'aws:cloudwatch/metricAlarm:MetricAlarm', 'ulss9-portal-unhealthy').inputs[
      'dimensions'
    ],
  ).toEqual({
    LoadBalancer: 'app/ulss9-portal/50dc6c495c0c9188',
    TargetGroup: 'targetgroup/ulss9-portal/73e2d6bc24d8a067',
  });
}, 120_000);

test('single sign-on: the settings in the environment file, the client secret from the settings secret only', async () => {
  const rec = await installMocks();
  const platform = new QuarantineDataPlatform('ulss9', {
    ...typicalArgs,
    portalOidcIssuer: 'https://sso.regione.veneto.it/realms/sanita',
    portalOidcClientId: 'qdp-portal',
    portalOidcClaim: 'fiscalNumber',
    portalOidcScopes: 'openid  profile',
    portalOidcLabel: 'SPID / CIE "Regione"',
    portalPublicUrl: 'https://portale.aulss9.veneto.it',
  });
  await resolve(platform.portalUrl);
  await settle(rec);
  const script = Buffer.from(
    String(one(rec, 'aws:ec2/launchTemplate:LaunchTemplate', 'ulss9-portal').inputs['userData']),
    'base64',
  ).toString('utf8');
  const file = script.slice(script.indexOf("<<'SETTINGS'\n") + 13, script.indexOf('\nSETTINGS\n'));
  // The settings secret's ARN: the portal reads its database password there after a rotation.
  const settingsArn = `arn:aws:secretsmanager:eu-south-1:${ACCOUNT_ID}:secret:ulss9-portal-AbCdEf`;
  expect(file.split('\n')).toEqual([
    'QDP_PORTAL_HOST=0.0.0.0',
    'QDP_PORTAL_PORT=8080',
    'QDP_PORTAL_TRUST_PROXY=true',
    'QDP_PORTAL_SECURE_COOKIES=true',
    'QDP_PORTAL_AUTHORITY_NAME="ULSS 9 Scaligera"',
    `QDP_PORTAL_SETTINGS_SECRET_ARN=${settingsArn}`,
    'AWS_REGION=eu-south-1',
    'QDP_PORTAL_OIDC_ISSUER="https://sso.regione.veneto.it/realms/sanita"',
    'QDP_PORTAL_OIDC_CLIENT_ID="qdp-portal"',
    'QDP_PORTAL_OIDC_SCOPES="openid profile"',
    'QDP_PORTAL_OIDC_CLAIM="fiscalNumber"',
    'QDP_PORTAL_OIDC_LABEL="SPID / CIE \\"Regione\\""',
    'QDP_PORTAL_PUBLIC_URL="https://portale.aulss9.veneto.it"',
  ]);
  // The secret's keys the boot script requires and copies: the client secret only from there.
  expect(script).toContain(
    'for (const k of ["QDP_PORTAL_DATABASE_URL","QDP_PORTAL_COOKIE_SECRET","QDP_PORTAL_OIDC_CLIENT_SECRET"])',
  );
  expect(script).not.toMatch(/^QDP_PORTAL_OIDC_CLIENT_SECRET=/m);
  expect(portalSecretKeys(false)).toEqual(['QDP_PORTAL_DATABASE_URL', 'QDP_PORTAL_COOKIE_SECRET']);
  expect(one(rec, 'aws:secretsmanager/secret:Secret', 'ulss9-portal').inputs['description']).toBe(
    'Portal secret settings (JSON): QDP_PORTAL_DATABASE_URL, QDP_PORTAL_COOKIE_SECRET written by the migrate function; QDP_PORTAL_OIDC_CLIENT_SECRET put by the authority for single sign-on',
  );
  // The portal accepts them as systemd hands them over, with the secret's three keys.
  const environment: Record<string, string> = {
    QDP_PORTAL_DATABASE_URL: 'postgres://qdp_portal:x@db.example:5432/quarantine',
    QDP_PORTAL_COOKIE_SECRET: 'c'.repeat(32),
    QDP_PORTAL_OIDC_CLIENT_SECRET: 'from-the-secret',
  };
  for (const [, key, value] of file.matchAll(/^(QDP_PORTAL_[A-Z_]+)=(.*)$/gm)) {
    environment[key!] = value!.startsWith('"') ? (JSON.parse(value!) as string) : value!;
  }
  const loaded = loadPortalConfig(environment);
  expect(loaded.settingsSecretArn).toBe(settingsArn);
  const oidc = loaded.oidc!;
  expect({
    ...oidc,
    issuer: oidc.issuer.href,
    redirectUri: oidc.redirectUri.href,
    postLogoutRedirectUri: oidc.postLogoutRedirectUri.href,
  }).toEqual({
    issuer: 'https://sso.regione.veneto.it/realms/sanita',
    clientId: 'qdp-portal',
    clientSecret: 'from-the-secret',
    scopes: 'openid profile',
    claim: 'fiscalNumber',
    label: 'SPID / CIE "Regione"',
    redirectUri: 'https://portale.aulss9.veneto.it/login/oidc/callback',
    postLogoutRedirectUri: 'https://portale.aulss9.veneto.it/login',
  });
  // Nothing of the client secret in the program: no argument carries it.
  expect(() => new Portal('solo', args({ oidcIssuer: 'https://idp.example' }))).toThrow(
    'Portal: oidcClientId, oidcClaim and publicUrl are required with oidcIssuer',
  );
}, 120_000);

test('portal off: no portal resources, no public subnets or Session Manager endpoints', async () => {
  const rec = await installMocks();
  const platform = new QuarantineDataPlatform('ulss9', {
    ...minimalArgs,
    enablePortal: false,
    portalCertificateArn: undefined,
  });
  expect(await resolve(platform.portalUrl)).toBeUndefined();
  await settle(rec);
  expect(rec.resources.filter((r) => r.name.includes('portal') || r.name.includes('alb'))).toEqual(
    [],
  );
  expect(one(rec, 'awsx:ec2:Vpc', 'ulss9-vpc').inputs['subnetSpecs']).toEqual([
    { type: 'Isolated', name: 'private' },
  ]);
  expect(ofType(rec, 'aws:ec2/vpcEndpoint:VpcEndpoint').length).toBe(6);
  expect(platform.portal).toBeUndefined();
});
