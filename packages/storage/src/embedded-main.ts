import { startEmbeddedS3 } from './embedded.ts';

// Entry of the embedded S3 child process (see embedded-process.ts): serves the folder given
// as its argument and reports its endpoint to the parent over IPC.
const dataDir = process.argv[2];
if (!dataDir || !process.send) throw new Error('embedded-main: run through startEmbeddedS3Process');
const server = await startEmbeddedS3(dataDir);
process.send({ endpoint: server.endpoint });
const stop = () => void server.close().finally(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('disconnect', stop);
