import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import yauzl from 'yauzl';

export interface ArchiveEntry {
  name: string;
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  mtime: number;
  uid?: number;
  gid?: number;
  uname?: string;
  gname?: string;
  linkname?: string;
  content: Buffer;
  /** Zip only: st_mode with the file type bits, and the raw DOS date and time fields. */
  unixMode?: number;
  dosDate?: number;
  dosTime?: number;
}

/** Every entry of a tar.gz, in archive order, read with a real tar parser. */
export async function readTarGz(bytes: Buffer): Promise<ArchiveEntry[]> {
  const entries: ArchiveEntry[] = [];
  const extract = tar.extract();
  Readable.from([bytes]).pipe(createGunzip()).pipe(extract);
  for await (const entry of extract) {
    const { header } = entry;
    entries.push({
      name: header.name,
      type: header.type as ArchiveEntry['type'],
      mode: header.mode ?? 0,
      mtime: Math.floor((header.mtime?.getTime() ?? 0) / 1000),
      uid: header.uid,
      gid: header.gid,
      uname: header.uname,
      gname: header.gname,
      linkname: header.linkname ?? undefined,
      content: await buffer(entry),
    });
  }
  return entries;
}

/** Every entry of a zip, in central-directory order, read with yauzl. */
export async function readZip(bytes: Buffer): Promise<ArchiveEntry[]> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (error, file) => (error ? reject(error) : resolve(file!))),
  );
  const entries: ArchiveEntry[] = [];
  await new Promise<void>((resolve, reject) => {
    zip.on('error', reject);
    zip.on('end', resolve);
    zip.on('entry', (entry: yauzl.Entry) => {
      const mode = (entry.externalFileAttributes >>> 16) & 0xffff;
      const type = entry.fileName.endsWith('/') ? 'directory' : (mode & 0o170000) === 0o120000 ? 'symlink' : 'file';
      zip.openReadStream(entry, async (error, stream) => {
        if (error) return reject(error);
        const content = await buffer(stream!);
        entries.push({
          name: entry.fileName,
          type,
          mode: mode & 0o7777,
          mtime: Math.floor(entry.getLastModDate().getTime() / 1000),
          content,
          linkname: type === 'symlink' ? content.toString() : undefined,
          unixMode: mode,
          dosDate: entry.lastModFileDate,
          dosTime: entry.lastModFileTime,
        });
        zip.readEntry();
      });
    });
    zip.readEntry();
  });
  return entries;
}
