import { startProcess, type GitChild } from './spawner.ts';
import type { GitOptions } from './types.ts';

/** How to run git: the options, and the repository (`--git-dir`) when there is one. */
export interface GitContext {
  options: GitOptions;
  gitDir?: string;
  /** More `-c` values for this command (the pinned addresses of a fetch). */
  config?: readonly string[];
}

export interface GitResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

/**
 * A git command exited non-zero. Transient unless a caller recognizes it as a refusal. The
 * message names the command only; git's output (`stderr`) is for maintainers and logs.
 */
export class GitFailed extends Error {
  readonly code: number;
  readonly stderr: string;
  constructor(args: readonly string[], result: GitResult) {
    super(`git ${args[0]} failed with exit code ${result.code}`);
    this.name = 'GitFailed';
    this.code = result.code;
    this.stderr = result.stderr;
  }
}

const PROXY_VARS = ['http_proxy', 'https_proxy', 'no_proxy', 'HTTP_PROXY', 'HTTPS_PROXY', 'NO_PROXY'];
const MAX_STDERR = 64 * 1024;

export function allowsFile(options: GitOptions): boolean {
  return options.allowedSources.some((prefix) => prefix.startsWith('file://'));
}

/** A clean environment: no user or system config, no prompts, English messages we can match. */
function gitEnv(options: GitOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: options.cacheDir,
    LC_ALL: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '/bin/true',
    SSH_ASKPASS: '/bin/true',
  };
  for (const name of PROXY_VARS) if (process.env[name]) env[name] = process.env[name];
  return env;
}

/**
 * Global options put before every command. Only https (and file:// when explicitly allowed)
 * may be spoken; redirects could lead away from the allowlisted host, so none are followed;
 * no hooks, and no background maintenance that would outlive the command.
 */
function globalArgs(ctx: GitContext): string[] {
  const config = [
    'core.hooksPath=/dev/null',
    'protocol.allow=never',
    'protocol.https.allow=always',
    'http.followRedirects=false',
    'gc.auto=0',
    'maintenance.auto=false',
    'fetch.recurseSubmodules=false',
    'fetch.writeCommitGraph=false',
    // Objects that are malformed (bad trees, paths, modes) are refused as they arrive.
    'transfer.fsckObjects=true',
  ];
  if (allowsFile(ctx.options)) config.push('protocol.file.allow=always');
  if (ctx.gitDir !== undefined) config.push(`safe.directory=${ctx.gitDir}`);
  if (ctx.config !== undefined) config.push(...ctx.config);
  const args = config.flatMap((c) => ['-c', c]);
  return ctx.gitDir !== undefined ? [`--git-dir=${ctx.gitDir}`, ...args] : args;
}

/**
 * Starts git with piped stdio, through the spawner process (spawner.ts: a fork of this
 * process would cost it a page fault on every page it writes next); the caller owns the
 * process and its lifetime.
 */
export function spawnGit(ctx: GitContext, args: readonly string[]): GitChild {
  return startProcess('git', [...globalArgs(ctx), ...args], gitEnv(ctx.options));
}

/** Collects a bounded tail of stderr for error messages. */
export function collectStderr(child: GitChild): () => string {
  let text = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    text = (text + chunk).slice(-MAX_STDERR);
  });
  return () => text;
}

/** Runs a short git command to completion; resolves whatever the exit code. */
export function runGit(ctx: GitContext, args: readonly string[], opts: { maxBytes?: number } = {}): Promise<GitResult> {
  const maxBytes = opts.maxBytes ?? 16 * 1024 * 1024;
  return new Promise((resolve, reject) => {
    const child = spawnGit(ctx, args);
    const stderr = collectStderr(child);
    const chunks: Buffer[] = [];
    let size = 0;
    let failure: Error | undefined;
    const fail = (error: Error) => {
      failure ??= error;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(
      () => fail(new Error(`git ${args[0]} timed out after ${ctx.options.timeoutMs} ms`)),
      ctx.options.timeoutMs,
    );
    child.stdin.end();
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) return fail(new Error(`git ${args[0]} printed more than ${maxBytes} bytes`));
      chunks.push(chunk);
    });
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (failure) return reject(failure);
      resolve({ code: code ?? -1, stdout: Buffer.concat(chunks), stderr: stderr() });
    });
  });
}

/** Runs a git command and returns its stdout; a non-zero exit is a GitFailed. */
export async function git(ctx: GitContext, args: readonly string[], opts: { maxBytes?: number } = {}): Promise<Buffer> {
  const result = await runGit(ctx, args, opts);
  if (result.code !== 0) throw new GitFailed(args, result);
  return result.stdout;
}
