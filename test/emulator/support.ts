// What the emulator tests share: a fresh database, SSH keys, SNS subscriber queues, polling.
import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import {
  DescribeSecretCommand,
  UpdateSecretVersionStageCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import pg from 'pg';
import { withDatabase } from '../support/global-setup.ts';

/** An empty database (not migrated: the migrate function does that) on the test server. */
export async function emptyDatabase(
  adminUrl: string,
): Promise<{ name: string; url: string; drop(): Promise<void> }> {
  const name = `qdp_emulator_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  return {
    name,
    url: withDatabase(adminUrl, name),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

export interface KeyPair {
  privateKeyFile: string;
  publicKey: string;
}

/** An ed25519 key pair made by OpenSSH's ssh-keygen. */
export function sshKeyPair(comment: string): KeyPair {
  const dir = mkdtempSync(path.join(tmpdir(), 'qdp-ssh-'));
  const file = path.join(dir, 'id_ed25519');
  const made = spawnSync(
    'ssh-keygen',
    ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', file],
    {
      encoding: 'utf8',
    },
  );
  if (made.error || made.status !== 0) {
    throw new Error(
      `ssh-keygen failed (${made.error?.message ?? made.stderr}): install OpenSSH's client (Debian: apt-get install openssh-client)`,
    );
  }
  return { privateKeyFile: file, publicKey: readFileSync(`${file}.pub`, 'utf8').trim() };
}

export interface Delivered {
  subject: string;
  message: string;
}

/** An SQS queue subscribed to a topic: what an administrator's mailbox would receive. */
export async function subscriberQueue(
  sqs: SQSClient,
  sns: SNSClient,
  topicArn: string,
  name: string,
): Promise<{ url: string; receive(count: number, timeoutMs?: number): Promise<Delivered[]> }> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const url = QueueUrl as string;
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
  );
  await sns.send(
    new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: Attributes?.QueueArn }),
  );
  return {
    url,
    async receive(count, timeoutMs = 30_000) {
      const out: Delivered[] = [];
      const deadline = Date.now() + timeoutMs;
      while (out.length < count && Date.now() < deadline) {
        const { Messages } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
        );
        for (const m of Messages ?? []) {
          const envelope = JSON.parse(m.Body ?? '{}') as { Subject?: string; Message?: string };
          out.push({ subject: envelope.Subject ?? '', message: envelope.Message ?? '' });
          await sqs.send(
            new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle }),
          );
        }
      }
      return out;
    },
  };
}

/** Polls until `probe` returns a value other than undefined. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * A new rotation's version id. AWS moves the AWSPENDING label to the version createSecret puts
 * (it stays on the current version after a rotation); MiniStack adds it without taking it from
 * the other version, so this takes it off first, as AWS's move would.
 */
export async function newRotation(
  secrets: SecretsManagerClient,
  secretId: string,
): Promise<string> {
  const described = await secrets.send(new DescribeSecretCommand({ SecretId: secretId }));
  for (const [id, stages] of Object.entries(described.VersionIdsToStages ?? {})) {
    if (stages.includes('AWSPENDING')) {
      await secrets.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: 'AWSPENDING',
          RemoveFromVersionId: id,
        }),
      );
    }
  }
  return randomUUID();
}
