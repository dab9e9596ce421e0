// ETL: the Glue side of an import. A Data Catalog database and a CSV classifier; a crawler over
// the staged files (`staging/<import id>/`, one table per folder); a security configuration (the
// platform key for S3, CloudWatch logs and job bookmarks); a JDBC connection to Aurora in the
// private subnets whose credentials Glue reads from Secrets Manager (and one to Redshift when
// analytics is on); the import and analytics jobs (Glue 5.0, scripts uploaded from glue/); a
// workflow that runs the crawler, then the import job (then the analytics job); the analytics job
// also runs nightly. Job argument names, scripts and extra files come from
// contracts/job-arguments.json (contracts/glue.ts), the declaration the Python scripts read too.
import path from 'node:path';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { dataFile } from './artifacts.ts';
import { awsContext, policyDocument, serviceTrust, type Statement } from './context.ts';
import { DATABASE_PORT } from './database.ts';
import { DEFAULTS } from './defaults.ts';
import { physicalName } from './naming.ts';
import { BUCKET_LAYOUT } from '../contracts/bucket-layout.ts';
import {
  GLUE_DECLARATION,
  glueArgumentName,
  type GlueDeclaration,
  type GlueJobDeclaration,
} from '../contracts/glue.ts';

/** Where the component puts the jobs' scripts and files, and the jobs' temporary directory. */
export const GLUE_SCRIPTS_PREFIX = BUCKET_LAYOUT.glueScripts;
export const GLUE_FILES_PREFIX = BUCKET_LAYOUT.glueFiles;
export const GLUE_TEMP_PREFIX = BUCKET_LAYOUT.glueTemp;
/** Workers of each job run (G.1X: 4 vCPU, 16 GB). */
export const GLUE_WORKER_TYPE = 'G.1X';
export const GLUE_WORKERS = 2;
/** Minutes after which a job run is stopped (state TIMEOUT: an ETL_Failure message). */
export const GLUE_JOB_TIMEOUT_MINUTES = 60;
/** Rows per JDBC batch insert into the transit table (Spark's default is 1000). */
export const GLUE_JDBC_BATCH_SIZE = 5000;
/** When the analytics job also runs on its own (UTC), besides after each import. */
export const ANALYTICS_NIGHTLY_SCHEDULE = 'cron(30 1 * * ? *)';

/** contracts/job-arguments.json through its typed reader: the contract with the scripts. */
export function jobDeclarations(): GlueDeclaration {
  return GLUE_DECLARATION;
}

/** The classifier settings of the declaration, without its comments. */
function csvClassifierOf(c: GlueDeclaration['stagedFile']['classifier']) {
  return {
    delimiter: c.delimiter,
    quoteSymbol: c.quoteSymbol,
    containsHeader: c.containsHeader,
    serde: c.serde,
    customDatatypeConfigured: c.customDatatypeConfigured,
    customDatatypes: c.customDatatypes,
  };
}

/** @internal Etl's physical names (the other components take its outputs). */
export function etlNames(name: string) {
  return {
    catalogDatabase: `${name.replace(/-/g, '_')}_staging`,
    crawler: physicalName('glue', name, 'staging'),
    importJob: physicalName('glue', name, 'import'),
    analyticsJob: physicalName('glue', name, 'analytics'),
    workflow: physicalName('glue', name, 'import'),
    securityConfiguration: physicalName('glue', name, 'glue'),
    databaseConnection: physicalName('glue', name, 'aurora'),
    redshiftConnection: physicalName('glue', name, 'redshift'),
    logGroup: `/aws-glue/${name}`,
  };
}

export interface EtlArgs {
  kmsKeyArn: pulumi.Input<string>;
  /** The landing bucket (staged files under `staging/`, scripts and temp under `glue/`). */
  bucketName: pulumi.Input<string>;
  bucketArn: pulumi.Input<string>;
  /** Private subnets; the connections sit in the first one. */
  subnetIds: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * The security group of the connections: it must reach the database and the AWS endpoints; the
   * component adds the self-referencing rules Glue requires (all TCP from and to itself).
   */
  securityGroupId: pulumi.Input<string>;
  databaseEndpoint: pulumi.Input<string>;
  databaseName: pulumi.Input<string>;
  databaseSecretArn: pulumi.Input<string>;
  /** The Redshift workgroup to feed; without it there is no analytics job. */
  analytics?: {
    endpoint: pulumi.Input<string>;
    port: pulumi.Input<number>;
    databaseName: pulumi.Input<string>;
    secretArn: pulumi.Input<string>;
  };
  /** @default 731 */
  logRetentionDays?: pulumi.Input<number>;
  /**
   * Declare the account's Data Catalog encryption settings (SSE-KMS with `kmsKeyArn`, connection
   * passwords encrypted): an account-wide singleton, so only when this platform owns it.
   * @default false
   */
  manageDataCatalogEncryption?: boolean;
}

export class Etl extends pulumi.ComponentResource {
  readonly workflowName: pulumi.Output<string>;
  readonly workflowArn: pulumi.Output<string>;
  readonly importJobName: pulumi.Output<string>;
  readonly analyticsJobName: pulumi.Output<string | undefined>;
  readonly crawlerName: pulumi.Output<string>;
  readonly catalogDatabaseName: pulumi.Output<string>;

  constructor(name: string, args: EtlArgs, opts?: pulumi.ComponentResourceOptions) {
    super('quarantine:etl:Etl', name, {}, opts);
    allowGlueSelfReference(name, args.securityGroupId, this);
    const catalog = createCatalog(name, args, this);
    const connections = createConnections(name, args, this);
    const role = createGlueRole(name, args, this);
    const crawler = createCrawler(name, args, catalog, role, this);
    const jobs = createJobs(name, args, catalog, connections, role, this);
    const workflow = createWorkflow(name, crawler, jobs, this);

    this.workflowName = workflow.name;
    this.workflowArn = workflow.arn;
    this.importJobName = jobs.importJob.name;
    this.analyticsJobName = jobs.analyticsJob?.name ?? pulumi.output<string | undefined>(undefined);
    this.crawlerName = crawler.name;
    this.catalogDatabaseName = catalog.database.name;
    this.registerOutputs({
      workflowName: this.workflowName,
      importJobName: this.importJobName,
      analyticsJobName: this.analyticsJobName,
      crawlerName: this.crawlerName,
    });
  }
}

/** @internal The self-referencing rules AWS checks when a job with a connection starts. */
export function allowGlueSelfReference(
  name: string,
  securityGroupId: pulumi.Input<string>,
  parent: pulumi.Resource,
): void {
  const rule = {
    securityGroupId,
    description: 'Glue workers of the same job talk to each other (required by Glue)',
    ipProtocol: 'tcp',
    fromPort: 0,
    toPort: 65535,
    referencedSecurityGroupId: securityGroupId,
  };
  new aws.vpc.SecurityGroupIngressRule(`${name}-glue-self-in`, rule, { parent });
  new aws.vpc.SecurityGroupEgressRule(`${name}-glue-self-out`, rule, { parent });
}

/** @internal What the crawler and the jobs share: the catalog, its classifier, encryption, logs. */
export interface GlueCatalog {
  database: aws.glue.CatalogDatabase;
  classifier: aws.glue.Classifier;
  securityConfiguration: aws.glue.SecurityConfiguration;
  logGroup: aws.cloudwatch.LogGroup;
}

/**
 * @internal The catalog database of the staged files (and, when this platform owns them, the
 * account's catalog encryption settings), the CSV classifier, the security configuration (the
 * platform key for S3, CloudWatch and bookmarks) and the jobs' log group.
 */
export function createCatalog(name: string, args: EtlArgs, parent: pulumi.Resource): GlueCatalog {
  const names = etlNames(name);
  const database = new aws.glue.CatalogDatabase(
    `${name}-staging`,
    { name: names.catalogDatabase, description: 'Staged daily files, one table per import' },
    { parent },
  );
  if (args.manageDataCatalogEncryption ?? DEFAULTS.manageDataCatalogEncryption) {
    new aws.glue.DataCatalogEncryptionSettings(
      `${name}-catalog-encryption`,
      {
        dataCatalogEncryptionSettings: {
          encryptionAtRest: { catalogEncryptionMode: 'SSE-KMS', sseAwsKmsKeyId: args.kmsKeyArn },
          connectionPasswordEncryption: {
            returnConnectionPasswordEncrypted: true,
            awsKmsKeyId: args.kmsKeyArn,
          },
        },
      },
      { parent },
    );
  }
  const classifier = new aws.glue.Classifier(
    `${name}-csv`,
    {
      name: physicalName('glue', name, 'csv'),
      // The staged file's shape and the classifier settings that keep every column text
      // (glue/job-arguments.json "stagedFile"): on-upload writes the file so, the import job
      // refuses a column the catalog typed.
      csvClassifier: {
        ...csvClassifierOf(jobDeclarations().stagedFile.classifier),
        disableValueTrimming: false,
        allowSingleColumn: false,
      },
    },
    { parent },
  );
  const securityConfiguration = new aws.glue.SecurityConfiguration(
    `${name}-glue`,
    {
      name: names.securityConfiguration,
      encryptionConfiguration: {
        s3Encryption: { s3EncryptionMode: 'SSE-KMS', kmsKeyArn: args.kmsKeyArn },
        cloudwatchEncryption: { cloudwatchEncryptionMode: 'SSE-KMS', kmsKeyArn: args.kmsKeyArn },
        jobBookmarksEncryption: {
          jobBookmarksEncryptionMode: 'CSE-KMS',
          kmsKeyArn: args.kmsKeyArn,
        },
      },
    },
    { parent },
  );
  const logGroup = new aws.cloudwatch.LogGroup(
    `${name}-glue`,
    {
      name: names.logGroup,
      retentionInDays: args.logRetentionDays ?? DEFAULTS.logRetentionDays,
      kmsKeyId: args.kmsKeyArn,
    },
    { parent },
  );
  return { database, classifier, securityConfiguration, logGroup };
}

/** @internal The jobs' JDBC connections. */
export interface GlueConnections {
  database: aws.glue.Connection;
  /** Only with analytics. */
  redshift: aws.glue.Connection | undefined;
}

/**
 * @internal The JDBC connections to Aurora (and to Redshift with analytics), in the first private
 * subnet with the given group, their credentials from Secrets Manager, TLS enforced.
 */
export function createConnections(
  name: string,
  args: EtlArgs,
  parent: pulumi.Resource,
): GlueConnections {
  const names = etlNames(name);
  const firstSubnet = pulumi.output(args.subnetIds).apply((ids) => {
    const first = ids[0];
    if (first === undefined) throw new Error('Etl: subnetIds is empty');
    return first;
  });
  const subnet = aws.ec2.getSubnetOutput({ id: firstSubnet }, { parent });
  const physical = {
    availabilityZone: subnet.availabilityZone,
    subnetId: firstSubnet,
    securityGroupIdLists: [args.securityGroupId],
  };
  const database = new aws.glue.Connection(
    `${name}-aurora`,
    {
      name: names.databaseConnection,
      connectionType: 'JDBC',
      connectionProperties: {
        JDBC_CONNECTION_URL: pulumi.interpolate`jdbc:postgresql://${args.databaseEndpoint}:${DATABASE_PORT}/${args.databaseName}`,
        SECRET_ID: args.databaseSecretArn,
        JDBC_ENFORCE_SSL: 'true',
      },
      physicalConnectionRequirements: physical,
    },
    { parent },
  );
  const redshift =
    args.analytics === undefined
      ? undefined
      : new aws.glue.Connection(
          `${name}-redshift`,
          {
            name: names.redshiftConnection,
            connectionType: 'JDBC',
            connectionProperties: {
              JDBC_CONNECTION_URL: pulumi.interpolate`jdbc:redshift://${args.analytics.endpoint}:${args.analytics.port}/${args.analytics.databaseName}`,
              SECRET_ID: args.analytics.secretArn,
              JDBC_ENFORCE_SSL: 'true',
            },
            physicalConnectionRequirements: physical,
          },
          { parent },
        );
  return { database, redshift };
}

/**
 * @internal The role of the crawler and the jobs and its policy (the crawler and the jobs depend
 * on the policy: Glue checks the role's permissions when they are created).
 */
export interface GlueRole {
  role: aws.iam.Role;
  policy: aws.iam.RolePolicy;
}

/** @internal The role of the crawler and the jobs, with exactly `glueRoleStatements`. */
export function createGlueRole(name: string, args: EtlArgs, parent: pulumi.Resource): GlueRole {
  const role = new aws.iam.Role(
    `${name}-glue`,
    { assumeRolePolicy: serviceTrust('glue.amazonaws.com') },
    { parent },
  );
  const policy = new aws.iam.RolePolicy(
    `${name}-glue`,
    { role: role.id, policy: policyDocument(glueRoleStatements(name, args, parent)) },
    { parent },
  );
  return { role, policy };
}

/** The Glue role's statements: those prefixes, the catalog database, the connections, the secrets. */
function glueRoleStatements(name: string, args: EtlArgs, parent: pulumi.Resource): Statement[] {
  const names = etlNames(name);
  const { accountId, region, partition } = awsContext(parent);
  const glueArn = (resource: string) =>
    pulumi.interpolate`arn:${partition}:glue:${region}:${accountId}:${resource}`;
  const secrets: pulumi.Input<string>[] = [args.databaseSecretArn];
  if (args.analytics !== undefined) secrets.push(args.analytics.secretArn);
  const connectionArns = [glueArn(`connection/${names.databaseConnection}`)];
  if (args.analytics !== undefined) {
    connectionArns.push(glueArn(`connection/${names.redshiftConnection}`));
  }
  return [
    {
      Sid: 'ReadScriptsAndStagedFiles',
      Effect: 'Allow',
      Action: ['s3:GetObject'],
      Resource: [
        pulumi.interpolate`${args.bucketArn}/${GLUE_SCRIPTS_PREFIX}*`,
        pulumi.interpolate`${args.bucketArn}/${GLUE_FILES_PREFIX}*`,
        pulumi.interpolate`${args.bucketArn}/${BUCKET_LAYOUT.staging}*`,
      ],
    },
    {
      Sid: 'ListStagedFilesAndTemp',
      Effect: 'Allow',
      Action: ['s3:ListBucket'],
      Resource: args.bucketArn,
      Condition: {
        StringLike: { 's3:prefix': [`${BUCKET_LAYOUT.staging}*`, `${GLUE_TEMP_PREFIX}*`] },
      },
    },
    {
      Sid: 'TempDirectory',
      Effect: 'Allow',
      Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      Resource: pulumi.interpolate`${args.bucketArn}/${GLUE_TEMP_PREFIX}*`,
    },
    {
      Sid: 'PlatformKey',
      Effect: 'Allow',
      Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey'],
      Resource: args.kmsKeyArn,
    },
    {
      Sid: 'ConnectionSecrets',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: secrets,
    },
    {
      Sid: 'Logs',
      Effect: 'Allow',
      Action: [
        'logs:CreateLogGroup',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'logs:AssociateKmsKey',
      ],
      Resource: [
        pulumi.interpolate`arn:${partition}:logs:${region}:${accountId}:log-group:/aws-glue/*`,
        pulumi.interpolate`arn:${partition}:logs:${region}:${accountId}:log-group:/aws-glue/*:*`,
      ],
    },
    {
      Sid: 'CatalogOfStagedFiles',
      Effect: 'Allow',
      Action: [
        'glue:GetDatabase',
        'glue:GetTable',
        'glue:GetTables',
        'glue:CreateTable',
        'glue:UpdateTable',
        'glue:GetPartition',
        'glue:GetPartitions',
        'glue:BatchGetPartition',
        'glue:CreatePartition',
        'glue:BatchCreatePartition',
        'glue:UpdatePartition',
      ],
      Resource: [
        glueArn('catalog'),
        glueArn(`database/${names.catalogDatabase}`),
        glueArn(`table/${names.catalogDatabase}/*`),
      ],
    },
    {
      Sid: 'Connections',
      Effect: 'Allow',
      Action: ['glue:GetConnection'],
      Resource: [glueArn('catalog'), ...connectionArns],
    },
    {
      Sid: 'WorkflowRunProperties',
      Effect: 'Allow',
      Action: ['glue:GetWorkflowRunProperties'],
      Resource: glueArn(`workflow/${names.workflow}`),
    },
    {
      // AWS requires `*` for these: they act on network interfaces that do not exist yet.
      Sid: 'VpcNetworkInterfaces',
      Effect: 'Allow',
      Action: [
        'ec2:CreateNetworkInterface',
        'ec2:DeleteNetworkInterface',
        'ec2:DescribeNetworkInterfaces',
        'ec2:DescribeSubnets',
        'ec2:DescribeSecurityGroups',
        'ec2:DescribeVpcEndpoints',
        'ec2:DescribeRouteTables',
        'ec2:DescribeVpcAttribute',
        'ec2:CreateTags',
      ],
      Resource: '*',
    },
    {
      // PutMetricData has no resource; the condition keeps it to Glue's namespace.
      Sid: 'JobMetrics',
      Effect: 'Allow',
      Action: ['cloudwatch:PutMetricData'],
      Resource: '*',
      Condition: { StringEquals: { 'cloudwatch:namespace': 'Glue' } },
    },
  ];
}

/** @internal The crawler over `staging/`: each import's folder a table of its own. */
export function createCrawler(
  name: string,
  args: EtlArgs,
  catalog: GlueCatalog,
  role: GlueRole,
  parent: pulumi.Resource,
): aws.glue.Crawler {
  return new aws.glue.Crawler(
    `${name}-staging`,
    {
      name: etlNames(name).crawler,
      role: role.role.arn,
      databaseName: catalog.database.name,
      classifiers: [catalog.classifier.name],
      securityConfiguration: catalog.securityConfiguration.name,
      s3Targets: [{ path: pulumi.interpolate`s3://${args.bucketName}/${BUCKET_LAYOUT.staging}` }],
      // Each import stages its file in a folder of its own: only new folders are crawled, and
      // each folder (level 3: bucket, staging/, <import id>/) is a table of its own.
      recrawlPolicy: { recrawlBehavior: 'CRAWL_NEW_FOLDERS_ONLY' },
      schemaChangePolicy: { updateBehavior: 'LOG', deleteBehavior: 'LOG' },
      configuration: JSON.stringify({
        Version: 1.0,
        Grouping: { TableLevelConfiguration: 3 },
      }),
    },
    { parent, dependsOn: [role.policy] },
  );
}

/** @internal The import job and, with analytics, the analytics job. */
export interface GlueJobs {
  importJob: aws.glue.Job;
  analyticsJob: aws.glue.Job | undefined;
}

/**
 * @internal The jobs (Glue version, scripts, files and argument names from the contract), with
 * their scripts and the files they read uploaded once each under `glue/scripts/`, `glue/files/`.
 */
export function createJobs(
  name: string,
  args: EtlArgs,
  catalog: GlueCatalog,
  connections: GlueConnections,
  role: GlueRole,
  parent: pulumi.Resource,
): GlueJobs {
  const declared = jobDeclarations();
  const names = etlNames(name);
  const uploadOnce = glueUploader(name, args, parent);
  const jobArguments = (job: GlueJobDeclaration): Record<string, pulumi.Input<string>> => {
    const extraFiles = job.extraFiles.map((f) => uploadOnce(f, GLUE_FILES_PREFIX));
    const extraPyFiles = job.extraPyFiles.map((f) => uploadOnce(f, GLUE_FILES_PREFIX));
    return {
      '--job-language': 'python',
      '--enable-metrics': 'true',
      '--enable-continuous-cloudwatch-log': 'true',
      '--continuous-log-logGroup': catalog.logGroup.name,
      '--enable-job-insights': 'false',
      '--job-bookmark-option': 'job-bookmark-disable',
      '--TempDir': pulumi.interpolate`s3://${args.bucketName}/${GLUE_TEMP_PREFIX}`,
      '--extra-files': pulumi.all(extraFiles).apply((urls) => urls.join(',')),
      '--extra-py-files': pulumi.all(extraPyFiles).apply((urls) => urls.join(',')),
    };
  };
  const job = (
    resourceName: string,
    jobName: string,
    declaration: GlueJobDeclaration,
    description: string,
    jobConnections: pulumi.Input<string>[],
    own: Record<string, pulumi.Input<string>>,
  ) =>
    new aws.glue.Job(
      resourceName,
      {
        name: jobName,
        description,
        roleArn: role.role.arn,
        glueVersion: declared.glueVersion,
        command: {
          name: 'glueetl',
          pythonVersion: '3',
          scriptLocation: uploadOnce(declaration.script, GLUE_SCRIPTS_PREFIX),
        },
        connections: jobConnections,
        securityConfiguration: catalog.securityConfiguration.name,
        workerType: GLUE_WORKER_TYPE,
        numberOfWorkers: GLUE_WORKERS,
        timeout: GLUE_JOB_TIMEOUT_MINUTES,
        maxRetries: 0,
        executionProperty: { maxConcurrentRuns: 1 },
        defaultArguments: { ...jobArguments(declaration), ...own },
      },
      { parent, dependsOn: [role.policy] },
    );

  const database = connections.database;
  const importJob = job(
    `${name}-import`,
    names.importJob,
    declared.jobs.import,
    'Staged daily file → transit table → reconciliation in PostgreSQL',
    [database.name],
    {
      [glueArgumentName('import', 'catalogDatabase')]: catalog.database.name,
      [glueArgumentName('import', 'databaseConnection')]: database.name,
      [glueArgumentName('import', 'jdbcBatchSize')]: String(GLUE_JDBC_BATCH_SIZE),
    },
  );
  const redshift = connections.redshift;
  const analyticsJob =
    redshift === undefined
      ? undefined
      : job(
          `${name}-analytics`,
          names.analyticsJob,
          declared.jobs.analytics,
          'Dashboard aggregates (no direct identifiers) → Redshift',
          [database.name, redshift.name],
          {
            [glueArgumentName('analytics', 'databaseConnection')]: database.name,
            [glueArgumentName('analytics', 'redshiftConnection')]: redshift.name,
          },
        );
  return { importJob, analyticsJob };
}

/** Uploads a script or a file it reads beside it, once: its `s3://` URL. */
function glueUploader(
  name: string,
  args: EtlArgs,
  parent: pulumi.Resource,
): (relative: string, prefix: string) => pulumi.Output<string> {
  const uploaded = new Map<string, pulumi.Output<string>>();
  return (relative, prefix) => {
    let url = uploaded.get(relative);
    if (url === undefined) {
      const object = new aws.s3.BucketObjectv2(
        `${name}-${path.basename(relative).replace(/[._]/g, '-')}`,
        {
          bucket: args.bucketName,
          key: `${prefix}${path.basename(relative)}`,
          source: new pulumi.asset.FileAsset(dataFile(relative)),
          serverSideEncryption: 'aws:kms',
          kmsKeyId: args.kmsKeyArn,
        },
        { parent },
      );
      url = pulumi.interpolate`s3://${object.bucket}/${object.key}`;
      uploaded.set(relative, url);
    }
    return url;
  };
}

/**
 * @internal The workflow of one import: on-demand start (by on-upload) → crawler, crawler
 * succeeded → import job, import succeeded → analytics job; the analytics job also nightly.
 */
export function createWorkflow(
  name: string,
  crawler: aws.glue.Crawler,
  jobs: GlueJobs,
  parent: pulumi.Resource,
): aws.glue.Workflow {
  const workflow = new aws.glue.Workflow(
    `${name}-import`,
    {
      name: etlNames(name).workflow,
      description: 'One import: crawl the staged file, then load and reconcile it',
      maxConcurrentRuns: 1,
    },
    { parent },
  );
  // Started by on-upload (StartWorkflowRun runs the workflow's on-demand trigger).
  new aws.glue.Trigger(
    `${name}-start`,
    {
      name: physicalName('glue', name, 'start'),
      type: 'ON_DEMAND',
      workflowName: workflow.name,
      actions: [{ crawlerName: crawler.name }],
    },
    { parent },
  );
  new aws.glue.Trigger(
    `${name}-after-crawl`,
    {
      name: physicalName('glue', name, 'after-crawl'),
      type: 'CONDITIONAL',
      workflowName: workflow.name,
      predicate: {
        conditions: [
          { crawlerName: crawler.name, crawlState: 'SUCCEEDED', logicalOperator: 'EQUALS' },
        ],
      },
      actions: [{ jobName: jobs.importJob.name }],
    },
    { parent },
  );
  const analyticsJob = jobs.analyticsJob;
  if (analyticsJob !== undefined) {
    new aws.glue.Trigger(
      `${name}-after-import`,
      {
        name: physicalName('glue', name, 'after-import'),
        type: 'CONDITIONAL',
        workflowName: workflow.name,
        predicate: {
          conditions: [
            { jobName: jobs.importJob.name, state: 'SUCCEEDED', logicalOperator: 'EQUALS' },
          ],
        },
        actions: [{ jobName: analyticsJob.name }],
      },
      { parent },
    );
    new aws.glue.Trigger(
      `${name}-analytics-nightly`,
      {
        name: physicalName('glue', name, 'analytics-nightly'),
        type: 'SCHEDULED',
        schedule: ANALYTICS_NIGHTLY_SCHEDULE,
        startOnCreation: true,
        actions: [{ jobName: analyticsJob.name }],
      },
      { parent },
    );
  }
  return workflow;
}
