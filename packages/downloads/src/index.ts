export { download, type Download, type Expected } from './cache.ts';
export { DownloadRefused } from './errors.ts';
export { fetchToFile, type Fetched } from './fetch.ts';
export type { DownloadOptions } from './options.ts';
