export { createTestDatabase, type TestDatabase } from './database.ts';
export { postgresUrl, redisUrl } from './services.ts';
export { startStack, type Stack, type TestApp } from './stack.ts';
export { client, eventually } from './http.ts';
export { createRepo, type FileSpec, type TestRepo } from './git.ts';
export { readTarGz, readZip, type ArchiveEntry } from './archives.ts';
