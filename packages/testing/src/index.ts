export { createTestDatabase, type TestDatabase } from './database.ts';
export { postgresUrl, redisUrl } from './services.ts';
export { startStack, type Stack, type TestApp } from './stack.ts';
export { client, eventually, signUp } from './http.ts';
export { COMMIT_TIME, createRepo, removeRepos, type FileSpec, type TestRepo } from './git.ts';
export { gitIn, makeRawRepo, rawTreeWith, writeBlob, writeRawTree, type RawEntry } from './git-plumbing.ts';
export { readTarGz, readZip, type ArchiveEntry } from './archives.ts';
export { testClock, type TestClock } from './clock.ts';
