// The policy pack as the Pulumi CLI runs it (`pulumi preview --policy-pack infra/policy-pack`):
// the Node.js language host resolves @pulumi/pulumi/cmd/run-policy-pack from the pack's folder and
// starts it with node, in that folder, with the engine's address and the folder; the pack prints
// the port of its gRPC Analyzer server, and the engine calls GetAnalyzerInfo, Configure, Analyze
// (each resource) and AnalyzeStack (all of them, with their property dependencies). This test does
// the same with the real @pulumi/policy runtime, over the resources recorded under mocks.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { parse } from 'yaml';
import { QuarantineDataPlatform } from '../../infra/index.ts';
import { platformPolicies } from '../../infra/policy-pack/rules/index.ts';
import { minimalArgs } from './fixtures.ts';
import { installMocks, resolve, settle } from './mocks.ts';
import { policyResources, runPolicies, type Violation } from './policy-harness.ts';

const PACK = path.resolve(import.meta.dirname, '../../infra/policy-pack');
const fromPack = createRequire(path.join(PACK, 'package.json'));
// The SDK's own gRPC and protobuf modules (the ones its generated stubs use).
const fromSdk = createRequire(fromPack.resolve('@pulumi/pulumi/package.json'));
const grpc = fromSdk('@grpc/grpc-js') as typeof import('@grpc/grpc-js');
const { Empty } = fromSdk('google-protobuf/google/protobuf/empty_pb') as {
  Empty: new () => unknown;
};
const { Struct } = fromSdk('google-protobuf/google/protobuf/struct_pb') as {
  Struct: { fromJavaScript(value: Record<string, unknown>): unknown };
};
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- generated protobuf classes
type Message = any;
const proto = fromSdk('@pulumi/pulumi/proto/analyzer_pb') as Record<string, new () => Message>;
const { AnalyzerClient } = fromSdk('@pulumi/pulumi/proto/analyzer_grpc_pb') as {
  AnalyzerClient: new (address: string, credentials: unknown) => Record<string, Message>;
};
const enums = fromSdk('@pulumi/pulumi/proto/analyzer_pb') as Record<
  'PolicyType' | 'EnforcementLevel' | 'PolicySeverity',
  Record<string, number>
>;
const { PolicyType, EnforcementLevel, PolicySeverity } = enums;

let pack: ChildProcess;
let client: Record<string, Message>;
let stderr = '';

/** Calls one unary RPC of the pack. */
function call(method: string, request: unknown): Promise<Message> {
  return new Promise((done, fail) => {
    client[method]!(request, (error: Error | null, response: Message) =>
      error ? fail(error) : done(response),
    );
  });
}

beforeAll(async () => {
  // What the Node.js language host runs for an analyzer plugin: node <run-policy-pack> <engine>
  // <pack folder>, in the pack folder. The engine is not called while the pack only analyses.
  const runner = fromPack.resolve('@pulumi/pulumi/cmd/run-policy-pack');
  pack = spawn(process.execPath, [runner, '127.0.0.1:1', PACK], {
    cwd: PACK,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  pack.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<string>((done, fail) => {
    let out = '';
    pack.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = /^(\d+)\n/.exec(out);
      if (line) done(line[1]!);
    });
    pack.once('exit', (code) => fail(new Error(`the pack exited with ${code}:\n${stderr}`)));
  });
  client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
}, 120_000);

afterAll(() => {
  client?.['close']?.();
  pack?.kill();
});

test('the pack folder: its package.json (name, version, main), PulumiPolicy.yaml for Node.js', () => {
  const manifest = JSON.parse(readFileSync(path.join(PACK, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  expect([manifest['name'], manifest['version'], manifest['main'], manifest['type']]).toEqual([
    'quarantine-data-platform-policies',
    '0.2.0',
    'launch.cjs',
    'module',
  ]);
  expect(Object.keys(manifest['dependencies'] as object).sort()).toEqual([
    '@pulumi/policy',
    '@pulumi/pulumi',
    'tsx',
  ]);
  const project = parse(readFileSync(path.join(PACK, 'PulumiPolicy.yaml'), 'utf8')) as Record<
    string,
    unknown
  >;
  expect(project['runtime']).toBe('nodejs');
});

test('GetAnalyzerInfo: the pack, its version from package.json, every rule with its controls', async () => {
  const info = await call('getAnalyzerInfo', new Empty());
  expect([info.getName(), info.getVersion(), info.getProvider()]).toEqual([
    'quarantine-data-platform',
    '0.2.0',
    'aws',
  ]);
  const policies = (info.getPoliciesList() as Message[]).map((p) => ({
    name: p.getName(),
    description: p.getDescription(),
    type: p.getPolicyType(),
    enforcement: p.getEnforcementlevel(),
    severity: p.getSeverity(),
    tags: p.getTagsList(),
    remediation: p.getRemediationSteps(),
    framework: p.getFramework()?.getReference() ?? '',
  }));
  const levels: Record<string, number> = {
    low: PolicySeverity['POLICY_SEVERITY_LOW']!,
    medium: PolicySeverity['POLICY_SEVERITY_MEDIUM']!,
    high: PolicySeverity['POLICY_SEVERITY_HIGH']!,
    critical: PolicySeverity['POLICY_SEVERITY_CRITICAL']!,
  };
  expect(policies).toEqual(
    platformPolicies.map((p) => ({
      name: p.name,
      description: p.description,
      type:
        'validateStack' in p ? PolicyType['POLICY_TYPE_STACK'] : PolicyType['POLICY_TYPE_RESOURCE'],
      enforcement: EnforcementLevel['MANDATORY'],
      severity: levels[p.severity!],
      tags: p.tags,
      remediation: p.remediationSteps,
      framework: p.framework?.reference ?? '',
    })),
  );
  const rds7 = policies.find((p) => p.name === 'qdp-rds-deletion-protection')!;
  expect([rds7.description, rds7.tags, rds7.framework]).toEqual([
    'RDS.7, CKV_AWS_139: Every RDS cluster has deletion protection on.',
    ['RDS.7', 'CKV_AWS_139'],
    'RDS.7',
  ]);
});

/** The resources as the engine sends them: inputs, and the URNs each property depends on. */
function analyzerResources(resources: ReturnType<typeof policyResources>): Message[] {
  return resources.map((r) => {
    const resource = new proto['AnalyzerResource']!();
    resource.setType(r.type);
    resource.setName(r.name);
    resource.setUrn(r.urn);
    resource.setProperties(Struct.fromJavaScript(JSON.parse(JSON.stringify(r.props))));
    resource.setOptions(new proto['AnalyzerResourceOptions']!());
    for (const [property, deps] of Object.entries(r.propertyDependencies)) {
      const urns = new proto['AnalyzerPropertyDependencies']!();
      urns.setUrnsList(deps.map((d) => d.urn));
      resource.getPropertydependenciesMap().set(property, urns);
    }
    resource.setDependenciesList(r.dependencies.map((d) => d.urn));
    return resource;
  });
}

function violations(response: Message): Violation[] {
  return (response.getDiagnosticsList() as Message[]).map((d) => ({
    policy: d.getPolicyname(),
    message: d.getMessage(),
  }));
}

test('Analyze and AnalyzeStack over the minimal configuration report what the rules report', async () => {
  const rec = await installMocks();
  const platform = new QuarantineDataPlatform('qdp', minimalArgs);
  await resolve(platform.databaseSecretArn);
  await settle(rec);
  const resources = policyResources(rec.resources);
  const sent = analyzerResources(resources);

  const reported: Violation[] = [];
  for (const resource of sent) {
    const request = new proto['AnalyzeRequest']!();
    request.setType(resource.getType());
    request.setName(resource.getName());
    request.setUrn(resource.getUrn());
    request.setProperties(resource.getProperties());
    request.setOptions(resource.getOptions());
    reported.push(...violations(await call('analyze', request)));
  }
  const stack = new proto['AnalyzeStackRequest']!();
  stack.setResourcesList(sent);
  reported.push(...violations(await call('analyzeStack', stack)));

  // The runtime puts the rule's description (its control IDs first) above each message.
  const descriptions = new Map(platformPolicies.map((p) => [p.name, p.description]));
  const expected = (await runPolicies(platformPolicies, resources)).map((v) => ({
    policy: v.policy,
    message: `${descriptions.get(v.policy)!}\n${v.message}`,
  }));
  const order = (v: Violation[]) =>
    [...v].sort((a, b) => `${a.policy}${a.message}`.localeCompare(`${b.policy}${b.message}`));
  expect(order(reported)).toEqual(order(expected));
  expect(stderr).toBe('');
});

test('a violation names its rule, its controls and its severity; Configure sets a rule option', async () => {
  const request = new proto['AnalyzeRequest']!();
  request.setType('aws:transfer/server:Server');
  request.setName('sftp');
  request.setUrn('urn:pulumi:dev::qdp::aws:transfer/server:Server::sftp');
  request.setProperties(
    Struct.fromJavaScript({
      protocols: ['SFTP', 'FTP'],
      securityPolicyName: 'TransferSecurityPolicy-2025-03',
      endpointType: 'PUBLIC',
      loggingRole: 'arn:aws:iam::123456789012:role/logging',
      structuredLogDestinations: ['arn:aws:logs:eu-south-1:123456789012:log-group:sftp:*'],
    }),
  );
  request.setOptions(new proto['AnalyzerResourceOptions']!());
  const diagnostics = () =>
    call('analyze', request).then((r) =>
      (r.getDiagnosticsList() as Message[]).map((d) => ({
        policy: d.getPolicyname(),
        description: d.getDescription(),
        message: d.getMessage(),
        severity: d.getSeverity(),
        pack: `${d.getPolicypackname()}@${d.getPolicypackversion()}`,
      })),
    );
  const ftp = {
    policy: 'qdp-transfer-sftp-only',
    description:
      'Transfer.2, CKV_AWS_357: Every Transfer Family server speaks SFTP only (no FTP, no FTPS).',
    message:
      'Transfer.2, CKV_AWS_357: Every Transfer Family server speaks SFTP only (no FTP, no FTPS).\nTransfer server sftp: protocols ["SFTP","FTP"] (expected ["SFTP"])',
    severity: PolicySeverity['POLICY_SEVERITY_HIGH'],
    pack: 'quarantine-data-platform@0.2.0',
  };
  expect(await diagnostics()).toEqual([ftp]);

  // A team that does not accept the PUBLIC endpoint exception says so in the pack's config.
  const configure = new proto['ConfigureAnalyzerRequest']!();
  const config = new proto['PolicyConfig']!();
  config.setEnforcementlevel(EnforcementLevel['MANDATORY']);
  config.setProperties(Struct.fromJavaScript({ allowPublicEndpoint: false }));
  configure.getPolicyconfigMap().set('qdp-transfer-endpoint', config);
  await call('configure', configure);
  expect(await diagnostics()).toEqual([
    ftp,
    {
      policy: 'qdp-transfer-endpoint',
      description:
        "CKV_AWS_164: A Transfer Family server's endpoint is inside the VPC, unless allowPublicEndpoint (default true: the documented exception for the Region's office, which connects over the internet with SSH keys) allows PUBLIC.",
      message:
        "CKV_AWS_164: A Transfer Family server's endpoint is inside the VPC, unless allowPublicEndpoint (default true: the documented exception for the Region's office, which connects over the internet with SSH keys) allows PUBLIC.\nTransfer server sftp: PUBLIC endpoint (expected VPC)",
      severity: PolicySeverity['POLICY_SEVERITY_LOW'],
      pack: 'quarantine-data-platform@0.2.0',
    },
  ]);
});
