export { createStorage, type ListedObject, type Storage, type StorageOptions, type StoredObject } from './storage.ts';
export { ARCHIVES_PREFIX, contentTypeOf, IMMUTABLE_CACHE_CONTROL, keys } from './keys.ts';
export { startEmbeddedS3, type EmbeddedS3 } from './embedded.ts';
export { startEmbeddedS3Process } from './embedded-process.ts';
