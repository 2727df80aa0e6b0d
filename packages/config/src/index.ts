export { loadConfig, type Config } from './config.ts';
export { ConfigError } from './env.ts';
