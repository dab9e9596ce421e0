// A pass-through for the Glue API that records each call: MiniStack's StartWorkflowRun accepts
// RunProperties but does not keep them (nor answers GetWorkflowRunProperties), so the tests read
// what on-upload sent here. The Lambda processes reach it through AWS_ENDPOINT_URL_GLUE.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface GlueCall {
  operation: string;
  body: Record<string, unknown>;
}

export interface GlueRecorder {
  url: string;
  calls: GlueCall[];
  close(): Promise<void>;
}

export async function startGlueRecorder(target: () => string): Promise<GlueRecorder> {
  const calls: GlueCall[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const operation = String(req.headers['x-amz-target'] ?? '').replace(/^AWSGlue\./, '');
      try {
        calls.push({
          operation,
          body: JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>,
        });
      } catch {
        calls.push({ operation, body: {} });
      }
      const headers: Record<string, string> = {};
      for (const [key, value] of Object.entries(req.headers)) {
        if (typeof value === 'string' && key !== 'host' && key !== 'connection')
          headers[key] = value;
      }
      fetch(`${target()}${req.url ?? '/'}`, { method: req.method ?? 'POST', headers, body })
        .then(async (response) => {
          const answer = Buffer.from(await response.arrayBuffer());
          const out: Record<string, string> = {};
          response.headers.forEach((value, key) => {
            if (
              !['content-length', 'transfer-encoding', 'connection', 'content-encoding'].includes(
                key,
              )
            )
              out[key] = value;
          });
          res.writeHead(response.status, out).end(answer);
        })
        .catch((error: unknown) => {
          res.writeHead(502).end(String(error));
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
