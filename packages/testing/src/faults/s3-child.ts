/// <reference path="../../../storage/src/s3rver.d.ts" />
import { mkdirSync } from 'node:fs';
import S3rver from 's3rver';

// A child process serving S3 (s3rver) on S3_PORT over S3_DIR, so a fault test can kill it
// like a real store going away. Tells its parent over IPC when it is up and each time a
// multipart part arrives and each multipart upload completes, which is how a test knows an upload is under way.
mkdirSync(process.env.S3_DIR!, { recursive: true });
const server = new S3rver({
  address: '127.0.0.1',
  port: Number(process.env.S3_PORT),
  directory: process.env.S3_DIR!,
  silent: true,
});
type Middleware = (
  ctx: { method: string; querystring: string; path: string },
  next: () => Promise<void>,
) => Promise<void>;
(server as unknown as { middleware: Middleware[] }).middleware.unshift(async (ctx, next) => {
  if (ctx.method === 'PUT' && /(^|&)partNumber=/.test(ctx.querystring)) process.send?.({ part: ctx.path });
  await next();
  if (ctx.method === 'POST' && /(^|&)uploadId=/.test(ctx.querystring)) process.send?.({ completed: ctx.path });
});
const address = await server.run();
process.send?.({ ready: address.port });
