export { createTestDatabase, type TestDatabase } from './database.ts';
export { postgresUrl, redisUrl } from './services.ts';
export { startStack, type Stack, type TestApp } from './stack.ts';
export { client, eventually } from './http.ts';
