// The landing bucket, behind a small interface: S3 in AWS (and in the emulator), a folder in the
// unit tests.
import {
  CopyObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';

export interface ObjectStore {
  /** The object's size in bytes, or null when there is no such object. */
  size(bucket: string, key: string): Promise<number | null>;
  read(bucket: string, key: string): Promise<Readable>;
  /** Streams body into a new object (multipart: memory stays bounded). */
  write(bucket: string, key: string, body: Readable, contentType: string): Promise<void>;
  copy(bucket: string, fromKey: string, toKey: string): Promise<void>;
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
}

export function s3Objects(client: S3Client): ObjectStore {
  return {
    async size(bucket, key) {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
        return head.ContentLength ?? 0;
      } catch (error) {
        if (isNotFound(error)) return null;
        throw error;
      }
    },
    async read(bucket, key) {
      const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!object.Body) throw new Error(`s3://${bucket}/${key} has no body`);
      return object.Body as Readable;
    },
    async write(bucket, key, body, contentType) {
      await new Upload({
        client,
        params: { Bucket: bucket, Key: key, Body: body, ContentType: contentType },
      }).done();
    },
    async copy(bucket, fromKey, toKey) {
      await client.send(
        new CopyObjectCommand({
          Bucket: bucket,
          Key: toKey,
          // The copy source is a URL path: every segment encoded, the slashes kept.
          CopySource: `${bucket}/${fromKey.split('/').map(encodeURIComponent).join('/')}`,
        }),
      );
    },
  };
}
