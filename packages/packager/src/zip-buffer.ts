import { deflate } from './deflate.ts';
import { localHeader, zipTime, ZipDirectory, type ZipEntry } from './zip-format.ts';

/**
 * A small zip held in memory (`files` in the order given, all dated `time`): for exports
 * such as the OSV advisories' `all.zip`, written by the same writer as release archives.
 */
export async function zipBuffer(files: { name: string; content: Buffer }[], unixTime: number): Promise<Buffer> {
  const time = zipTime(unixTime);
  const directory = new ZipDirectory(time);
  const parts: Buffer[] = [];
  // Handed in together, so the deflate threads get them in a few batches.
  const deflatedFiles = await Promise.all(files.map((file) => deflate(file.content)));
  for (const [index, file] of files.entries()) {
    const deflated = deflatedFiles[index]!;
    const entry: ZipEntry = {
      name: Buffer.from(file.name, 'utf8'),
      mode: 0o100644,
      method: 8,
      crc32: deflated.crc32,
      compressedSize: deflated.data.length,
      size: deflated.size,
      streamed: false,
      offset: directory.offset,
    };
    const header = localHeader(entry, time);
    parts.push(header, deflated.data);
    directory.add(entry, header.length + deflated.data.length);
  }
  parts.push(directory.end());
  return Buffer.concat(parts);
}
