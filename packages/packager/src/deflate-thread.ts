/**
 * The body of a deflate thread, as plain JavaScript source run with `new Worker(source,
 * { eval: true })`: a string, not a module or a function's `toString()`, so it runs the same
 * from TypeScript source under vitest or tsx (whose transforms may add helpers a serialized
 * function would lack) and from the esbuild bundles in dist/ (which have no file beside them).
 *
 * A batch is one ArrayBuffer holding its files end to end plus their sizes; the answer is one
 * ArrayBuffer holding the raw deflate data of each file end to end, with each file's
 * compressed size and CRC-32, and the input buffer back for the next batch. The buffers are
 * transferred, not copied. Any failure answers
 * `{ id, error }` for that batch; the thread carries on with the next one.
 */
export const DEFLATE_THREAD_SOURCE = `
'use strict';
const { parentPort } = require('node:worker_threads');
const zlib = require('node:zlib');

parentPort.on('message', (batch) => {
  try {
    const input = Buffer.from(batch.input);
    const outputs = [];
    const compressedSizes = [];
    const crcs = [];
    let offset = 0;
    let total = 0;
    for (const size of batch.sizes) {
      const file = input.subarray(offset, offset + size);
      offset += size;
      // An output buffer sized to the file: zlib's 16 KB default is mostly garbage here.
      const chunkSize = Math.max(1024, Math.min(64 * 1024, size + 64));
      const out = zlib.deflateRawSync(file, { level: batch.level, chunkSize });
      outputs.push(out);
      compressedSizes.push(out.length);
      crcs.push(zlib.crc32(file));
      total += out.length;
    }
    // A buffer of its own (never a slice of Buffer's shared pool), so it can be transferred.
    const output = Buffer.allocUnsafeSlow(total);
    let at = 0;
    for (const out of outputs) at += out.copy(output, at);
    const answer = { id: batch.id, output: output.buffer, compressedSizes, crcs, input: batch.input };
    parentPort.postMessage(answer, [output.buffer, batch.input]);
  } catch (error) {
    parentPort.postMessage({ id: batch.id, error: String((error && error.stack) || error) });
  }
});
`;
