// Provisions the emulator from the component's own declaration: QuarantineDataPlatform runs under
// the Pulumi mocks of test/infra/mocks.ts, and the recorded resources the emulator supports are
// created with the AWS SDK, inputs as recorded (names, filters, patterns, home directories,
// thresholds). Lambda code is the bundle the component ships (infra/artifacts.ts). Only what
// points at the database is replaced (`overrides`): the emulator has no Aurora.
import {
  CloudWatchClient,
  PutMetricAlarmCommand,
  type ComparisonOperator,
  type Statistic,
} from '@aws-sdk/client-cloudwatch';
import { EventBridgeClient, PutRuleCommand, PutTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateJobCommand, CreateWorkflowCommand, GlueClient } from '@aws-sdk/client-glue';
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  GetFunctionCommand,
  LambdaClient,
  type Runtime,
} from '@aws-sdk/client-lambda';
import {
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import {
  CreateServerCommand,
  CreateUserCommand,
  ImportSshPublicKeyCommand,
  TransferClient,
  type HomeDirectoryType,
  type IdentityProviderType,
  type Protocol,
} from '@aws-sdk/client-transfer';
import { functionBundle, BUNDLED_FUNCTIONS, type BundledFunction } from '../../infra/artifacts.ts';
import { QuarantineDataPlatform, type QuarantineDataPlatformArgs } from '../../infra/index.ts';
import { installMocks, settle, type Recorded } from '../infra/mocks.ts';
import { CREDENTIALS, REGION } from './emulator.ts';
import { zipDirectory } from './zip.ts';

/** Runs the component under the mocks and returns every resource it declared. */
export async function recordPlatform(
  name: string,
  args: QuarantineDataPlatformArgs,
): Promise<Recorded[]> {
  const recorder = await installMocks();
  new QuarantineDataPlatform(name, args);
  await settle(recorder);
  if (recorder.unknownCalls.length > 0) {
    throw new Error(
      `the component made invokes the mocks do not answer: ${recorder.unknownCalls.join(', ')}`,
    );
  }
  return recorder.resources;
}

/** The resource types created in the emulator; every other recorded type is listed as skipped. */
export const PROVISIONED_TYPES = [
  'aws:s3/bucketNotification:BucketNotification',
  'aws:sns/topic:Topic',
  'aws:sqs/queue:Queue',
  'aws:lambda/function:Function',
  'aws:lambda/permission:Permission',
  'aws:cloudwatch/eventRule:EventRule',
  'aws:cloudwatch/eventTarget:EventTarget',
  'aws:cloudwatch/metricAlarm:MetricAlarm',
  'aws:transfer/server:Server',
  'aws:transfer/user:User',
  'aws:transfer/sshKey:SshKey',
  'aws:glue/workflow:Workflow',
  'aws:glue/job:Job',
] as const;

export interface Provisioned {
  bucket: string;
  functions: Record<BundledFunction, string>;
  topics: { success: string; failure: string };
  serverId: string | undefined;
  /** Transfer users by name with their home directory mappings as recorded. */
  users: Record<string, { entry: string; target: string }[]>;
  rules: { name: string; eventPattern: string; targets: string[] }[];
  workflowName: string;
  importJobName: string;
  alarms: string[];
  /** Recorded types not created (the emulator does not need or support them). */
  skipped: string[];
}

type Inputs = Record<string, unknown>;

function str(inputs: Inputs, key: string): string {
  const value = inputs[key];
  if (typeof value !== 'string')
    throw new Error(`recorded input ${key} is not a string: ${JSON.stringify(value)}`);
  return value;
}

function clients(endpoint: string) {
  const config = { endpoint, region: REGION, credentials: CREDENTIALS, forcePathStyle: true };
  return {
    s3: new S3Client(config),
    sns: new SNSClient(config),
    sqs: new SQSClient(config),
    lambda: new LambdaClient(config),
    events: new EventBridgeClient(config),
    cloudwatch: new CloudWatchClient(config),
    transfer: new TransferClient(config),
    glue: new GlueClient(config),
  };
}

function functionOf(functionName: string): BundledFunction {
  const fn = BUNDLED_FUNCTIONS.find((f) => functionName.endsWith(`-${f}`));
  if (!fn) throw new Error(`no bundle for the recorded function ${functionName}`);
  return fn;
}

export async function provision(
  resources: Recorded[],
  endpoint: string,
  overrides: Partial<Record<BundledFunction, Record<string, string>>> = {},
): Promise<Provisioned> {
  const c = clients(endpoint);
  const ofType = (type: string) => resources.filter((r) => r.type === type);
  const provisioned: Provisioned = {
    bucket: '',
    functions: {} as Record<BundledFunction, string>,
    topics: { success: '', failure: '' },
    serverId: undefined,
    users: {},
    rules: [],
    workflowName: '',
    importJobName: '',
    alarms: [],
    skipped: [...new Set(resources.map((r) => r.type))]
      .filter((t) => !(PROVISIONED_TYPES as readonly string[]).includes(t))
      .sort(),
  };

  for (const topic of ofType('aws:sns/topic:Topic')) {
    const name = str(topic.inputs, 'name');
    const { TopicArn } = await c.sns.send(new CreateTopicCommand({ Name: name }));
    if (name.endsWith('ETL_Success')) provisioned.topics.success = TopicArn ?? '';
    if (name.endsWith('ETL_Failure')) provisioned.topics.failure = TopicArn ?? '';
  }
  for (const queue of ofType('aws:sqs/queue:Queue')) {
    await c.sqs.send(new CreateQueueCommand({ QueueName: str(queue.inputs, 'name') }));
  }

  // The landing bucket's name is what the notification (and the SFTP home directories) name.
  const notifications = ofType('aws:s3/bucketNotification:BucketNotification');
  if (notifications.length !== 1)
    throw new Error(`expected one bucket notification, got ${notifications.length}`);
  const notification = notifications[0] as Recorded;
  provisioned.bucket = str(notification.inputs, 'bucket');
  await c.s3.send(new CreateBucketCommand({ Bucket: provisioned.bucket }));

  for (const fnResource of ofType('aws:lambda/function:Function')) {
    const inputs = fnResource.inputs;
    const functionName = str(inputs, 'name');
    const fn = functionOf(functionName);
    const variables =
      (inputs['environment'] as { variables?: Record<string, string> } | undefined)?.variables ??
      {};
    await c.lambda.send(
      new CreateFunctionCommand({
        FunctionName: functionName,
        Runtime: str(inputs, 'runtime') as Runtime,
        Handler: str(inputs, 'handler'),
        Role: str(inputs, 'role'),
        Timeout: inputs['timeout'] as number,
        MemorySize: inputs['memorySize'] as number,
        Environment: { Variables: { ...variables, ...(overrides[fn] ?? {}) } },
        Code: { ZipFile: zipDirectory(await functionBundle(fn)) },
      }),
    );
    for (let i = 0; i < 100; i++) {
      const state = (await c.lambda.send(new GetFunctionCommand({ FunctionName: functionName })))
        .Configuration?.State;
      if (state === undefined || state === 'Active') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    provisioned.functions[fn] = functionName;
  }
  for (const permission of ofType('aws:lambda/permission:Permission')) {
    const inputs = permission.inputs;
    await c.lambda.send(
      new AddPermissionCommand({
        FunctionName: str(inputs, 'function'),
        StatementId: permission.name,
        Action: str(inputs, 'action'),
        Principal: str(inputs, 'principal'),
        SourceArn: inputs['sourceArn'] as string | undefined,
        SourceAccount: inputs['sourceAccount'] as string | undefined,
      }),
    );
  }

  const lambdaFunctions = (notification.inputs['lambdaFunctions'] ?? []) as {
    events: string[];
    filterPrefix?: string;
    filterSuffix?: string;
    lambdaFunctionArn: string;
  }[];
  await c.s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: provisioned.bucket,
      NotificationConfiguration: {
        LambdaFunctionConfigurations: lambdaFunctions.map((l, i) => ({
          Id: `${notification.name}-${i}`,
          LambdaFunctionArn: l.lambdaFunctionArn,
          Events: l.events as never,
          Filter: {
            Key: {
              FilterRules: [
                ...(l.filterPrefix ? [{ Name: 'prefix' as const, Value: l.filterPrefix }] : []),
                ...(l.filterSuffix ? [{ Name: 'suffix' as const, Value: l.filterSuffix }] : []),
              ],
            },
          },
        })),
      },
    }),
  );

  for (const rule of ofType('aws:cloudwatch/eventRule:EventRule')) {
    const inputs = rule.inputs;
    const name = str(inputs, 'name');
    await c.events.send(
      new PutRuleCommand({
        Name: name,
        EventPattern: inputs['eventPattern'] as string | undefined,
        ScheduleExpression: inputs['scheduleExpression'] as string | undefined,
        Description: inputs['description'] as string | undefined,
      }),
    );
    provisioned.rules.push({
      name,
      eventPattern: String(inputs['eventPattern'] ?? ''),
      targets: [],
    });
  }
  for (const target of ofType('aws:cloudwatch/eventTarget:EventTarget')) {
    const rule = str(target.inputs, 'rule');
    const arn = str(target.inputs, 'arn');
    await c.events.send(
      new PutTargetsCommand({ Rule: rule, Targets: [{ Id: target.name, Arn: arn }] }),
    );
    provisioned.rules.find((r) => r.name === rule)?.targets.push(arn);
  }

  for (const alarm of ofType('aws:cloudwatch/metricAlarm:MetricAlarm')) {
    const inputs = alarm.inputs;
    if (typeof inputs['metricName'] !== 'string') continue; // metric-math alarms: not needed here
    const name = (inputs['name'] as string | undefined) ?? alarm.name;
    const dimensions = (inputs['dimensions'] ?? {}) as Record<string, string>;
    await c.cloudwatch.send(
      new PutMetricAlarmCommand({
        AlarmName: name,
        AlarmDescription: inputs['alarmDescription'] as string | undefined,
        Namespace: str(inputs, 'namespace'),
        MetricName: str(inputs, 'metricName'),
        Dimensions: Object.entries(dimensions).map(([Name, Value]) => ({ Name, Value })),
        Statistic: inputs['statistic'] as Statistic,
        Period: inputs['period'] as number,
        EvaluationPeriods: inputs['evaluationPeriods'] as number,
        Threshold: inputs['threshold'] as number,
        ComparisonOperator: inputs['comparisonOperator'] as ComparisonOperator,
        TreatMissingData: inputs['treatMissingData'] as string | undefined,
        AlarmActions: inputs['alarmActions'] as string[] | undefined,
      }),
    );
    provisioned.alarms.push(name);
  }

  const serverIds = new Map<string, string>();
  for (const server of ofType('aws:transfer/server:Server')) {
    const inputs = server.inputs;
    const created = await c.transfer.send(
      new CreateServerCommand({
        Domain: 'S3',
        IdentityProviderType: inputs['identityProviderType'] as IdentityProviderType,
        Protocols: inputs['protocols'] as Protocol[],
        SecurityPolicyName: inputs['securityPolicyName'] as string | undefined,
      }),
    );
    serverIds.set(server.id, created.ServerId ?? '');
    provisioned.serverId = created.ServerId;
  }
  const serverOf = (inputs: Inputs) => {
    const id = serverIds.get(str(inputs, 'serverId'));
    if (!id) throw new Error(`no server for ${String(inputs['serverId'])}`);
    return id;
  };
  for (const user of ofType('aws:transfer/user:User')) {
    const inputs = user.inputs;
    const mappings = (inputs['homeDirectoryMappings'] ?? []) as { entry: string; target: string }[];
    await c.transfer.send(
      new CreateUserCommand({
        ServerId: serverOf(inputs),
        UserName: str(inputs, 'userName'),
        Role: str(inputs, 'role'),
        HomeDirectoryType: inputs['homeDirectoryType'] as HomeDirectoryType,
        HomeDirectory: inputs['homeDirectory'] as string | undefined,
        HomeDirectoryMappings: mappings.map((m) => ({ Entry: m.entry, Target: m.target })),
      }),
    );
    provisioned.users[str(inputs, 'userName')] = mappings;
  }
  for (const key of ofType('aws:transfer/sshKey:SshKey')) {
    await c.transfer.send(
      new ImportSshPublicKeyCommand({
        ServerId: serverOf(key.inputs),
        UserName: str(key.inputs, 'userName'),
        SshPublicKeyBody: str(key.inputs, 'body'),
      }),
    );
  }

  for (const workflow of ofType('aws:glue/workflow:Workflow')) {
    provisioned.workflowName = str(workflow.inputs, 'name');
    await c.glue.send(new CreateWorkflowCommand({ Name: provisioned.workflowName }));
  }
  for (const job of ofType('aws:glue/job:Job')) {
    const inputs = job.inputs;
    const name = str(inputs, 'name');
    const command = inputs['command'] as {
      name?: string;
      scriptLocation?: string;
      pythonVersion?: string;
    };
    await c.glue.send(
      new CreateJobCommand({
        Name: name,
        Role: str(inputs, 'roleArn'),
        GlueVersion: inputs['glueVersion'] as string | undefined,
        Command: {
          Name: command.name,
          ScriptLocation: command.scriptLocation,
          PythonVersion: command.pythonVersion,
        },
        DefaultArguments: inputs['defaultArguments'] as Record<string, string> | undefined,
      }),
    );
    if (name.endsWith('-import')) provisioned.importJobName = name;
  }
  for (const client of Object.values(c)) client.destroy();
  return provisioned;
}
