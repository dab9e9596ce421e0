// The AWS adapters the handlers share: SNS topics for the messages, the Data API for the SQL.
// Clients take their endpoint from the SDK's own settings (AWS_ENDPOINT_URL,
// AWS_ENDPOINT_URL_RDS_DATA...), which is how the emulator tests reach MiniStack.
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { ImportMessage, Topic } from '../core/messages.ts';
import type { Sql } from '../db/sql.ts';
import { dataApiSql } from './sql.ts';
import { LAMBDA_ENV } from '../contracts/lambda.ts';

export function dataApiFrom(env: {
  [LAMBDA_ENV.databaseClusterArn]: string;
  [LAMBDA_ENV.databaseSecretArn]: string;
  [LAMBDA_ENV.databaseName]: string;
}): Sql {
  return dataApiSql(new RDSDataClient({}), {
    resourceArn: env[LAMBDA_ENV.databaseClusterArn],
    secretArn: env[LAMBDA_ENV.databaseSecretArn],
    database: env[LAMBDA_ENV.databaseName],
  });
}

/** Publishes each message to the topic it names (ETL_Success or ETL_Failure). */
export function snsPublisher(topics: Partial<Record<Topic, string>>) {
  const sns = new SNSClient({});
  return async (message: ImportMessage): Promise<void> => {
    const topicArn = topics[message.topic];
    if (!topicArn) throw new Error(`no topic ARN configured for ${message.topic}`);
    await sns.send(
      new PublishCommand({ TopicArn: topicArn, Subject: message.subject, Message: message.text }),
    );
  };
}

/** One structured log line (CloudWatch Logs); never personal data. */
export function log(entry: Record<string, unknown>): void {
  console.log(JSON.stringify(entry));
}
