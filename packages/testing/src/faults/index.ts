export { logFields, startChild, type Child } from './children.ts';
export { allFinished, assertSettled, type Settled } from './invariants.ts';
export { startPrivatePostgres, type PrivatePostgres } from './postgres.ts';
export { startPrivateRedis, type PrivateRedis } from './redis.ts';
export { startS3Server, type S3Event, type S3Server } from './s3-server.ts';
export { largeModuleRepo, secondsSince, startFaultWorld, type FaultWorld, type WorkerProcess } from './world.ts';
