export { loadConfig, type Config } from './config.ts';
export { ConfigError } from './env.ts';
export { logOptions, REDACTED_PATHS } from './logging.ts';
