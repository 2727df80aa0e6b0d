/**
 * A download refused for good: the URL, an address it reached, its size or its checksum
 * broke a rule. Retrying cannot help; the message names the URL and the rule.
 */
export class DownloadRefused extends Error {
  readonly rule: string;
  readonly url: string;

  constructor(rule: string, url: string, detail: string) {
    super(`${url}: ${detail}`);
    this.name = 'DownloadRefused';
    this.rule = rule;
    this.url = url;
  }
}
