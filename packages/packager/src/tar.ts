import { once } from 'node:events';
import { pipeline, type Readable } from 'node:stream';
import tar from 'tar-stream';
import type { ContentReader } from './blobs.ts';
import { parallelGzip } from './parallel-gzip.ts';
import { linkTarget, renderInfo, type ArchiveItem, type ArchivePlan } from './layout.ts';

type Header = Parameters<tar.Pack['entry']>[0];
type Sink = ReturnType<tar.Pack['entry']>;

/** Part of the reproducibility contract: changing it changes every archive's bytes. */
export const GZIP_LEVEL = 6;

/** Files up to this size are read whole into their entry; larger ones are streamed. */
const WHOLE_FILE_BYTES = 1024 * 1024;

/** Streams `plan` as a tar.gz: ustar/pax headers, uid/gid 0, no names, one mtime. */
export function tarGz(plan: ArchivePlan): Readable {
  const pack = tar.pack();
  const reader = plan.openReader();
  const output = pipeline(pack, parallelGzip(GZIP_LEVEL), () => reader.close());
  const mtime = new Date(plan.mtime * 1000);

  (async () => {
    for (const item of plan.items) await writeItem(pack, reader, item, plan, mtime);
    pack.finalize();
  })().catch((error: unknown) => pack.destroy(error instanceof Error ? error : new Error(String(error))));
  return output;
}

async function writeItem(
  pack: tar.Pack,
  reader: ContentReader,
  item: ArchiveItem,
  plan: ArchivePlan,
  mtime: Date,
): Promise<void> {
  const header = { name: item.name, mode: item.mode, mtime, uid: 0, gid: 0 };
  if (item.type === 'directory') return entry(pack, { ...header, type: 'directory' });
  if (item.type === 'symlink') return entry(pack, { ...header, type: 'symlink', linkname: linkTarget(item) });
  if (item.info) {
    const content = await renderInfo(reader, item, plan.stamp);
    return entry(pack, { ...header, type: 'file', size: content.length }, content);
  }
  const { oid, size } = item.entry!;
  // A small file goes in whole (a view of git's output, mostly): one call, where streaming it
  // cost a sink, a drain promise and an async generator for each of thousands of files.
  if (size <= WHOLE_FILE_BYTES) {
    return entry(pack, { ...header, type: 'file', size }, await reader.readAll(oid, size));
  }
  let sink!: Sink;
  const written = new Promise<void>((resolve, reject) => {
    sink = quiet(pack.entry({ ...header, type: 'file', size }, (err) => (err ? reject(err) : resolve())));
  });
  written.catch(() => {}); // awaited below; a failure while streaming surfaces there too
  for await (const chunk of reader.blob(oid, size)) {
    if (!sink.write(chunk)) await once(sink, 'drain');
  }
  sink.end(undefined); // streamx treats `undefined` as no data
  await written;
}

function entry(pack: tar.Pack, header: Header, content?: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const callback = (err?: Error | null) => (err ? reject(err) : resolve());
    quiet(content ? pack.entry(header, content, callback) : pack.entry(header, callback));
  });
}

/** Entry errors arrive through the entry callback; an unheard 'error' event would crash. */
function quiet(sink: Sink): Sink {
  sink.on('error', () => {});
  return sink;
}
