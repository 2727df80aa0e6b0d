import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import yauzl from 'yauzl';

export interface TarItem {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  mtime: number;
  linkname: string | null;
  content: Buffer;
}

export async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export async function readTarGz(bytes: Buffer): Promise<TarItem[]> {
  const extract = tar.extract();
  const gunzip = createGunzip();
  gunzip.pipe(extract as unknown as NodeJS.WritableStream);
  gunzip.end(bytes);
  const items: TarItem[] = [];
  for await (const entry of extract) {
    const chunks: Buffer[] = [];
    for await (const chunk of entry) chunks.push(chunk as Buffer);
    const h = entry.header;
    items.push({
      name: h.name,
      type: h.type,
      mode: h.mode,
      uid: h.uid,
      gid: h.gid,
      uname: h.uname,
      gname: h.gname,
      mtime: h.mtime.getTime() / 1000,
      linkname: h.linkname ?? null,
      content: Buffer.concat(chunks),
    });
  }
  return items;
}

export interface ZipItem {
  name: string;
  /** Unix mode from the external attributes (type and permission bits). */
  mode: number;
  dosDate: number;
  dosTime: number;
  content: Buffer;
}

export function readZip(bytes: Buffer): Promise<ZipItem[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (err, zipfile) => {
      if (err || !zipfile) return reject(err);
      const items: ZipItem[] = [];
      zipfile.on('error', reject);
      zipfile.on('end', () => resolve(items));
      zipfile.on('entry', (entry: yauzl.Entry) => {
        zipfile.openReadStream(entry, (streamErr, stream) => {
          if (streamErr || !stream) return reject(streamErr);
          collect(stream).then((content) => {
            items.push({
              name: entry.fileName,
              mode: entry.externalFileAttributes >>> 16,
              dosDate: entry.lastModFileDate,
              dosTime: entry.lastModFileTime,
              content,
            });
            zipfile.readEntry();
          }, reject);
        });
      });
      zipfile.readEntry();
    });
  });
}
