/**
 * The body of a deflate thread, as plain JavaScript source run with `new Worker(source,
 * { eval: true })`: a string, not a module or a function's `toString()`, so it runs the same
 * from TypeScript source under vitest or tsx (whose transforms may add helpers a serialized
 * function would lack) and from the esbuild bundles in dist/ (which have no file beside them).
 *
 * The thread gets, once, its `workerData`: the zlib `level` and a SharedArrayBuffer cut into
 * slots of `inputBytes` then `outputBytes` each (see `deflate-pool.ts`). A batch in a slot is
 * `{ id, slot, sizes }`: its files lie end to end at the start of the slot's input region; the
 * thread writes their raw deflate data end to end into the slot's output region and answers
 * `{ id, slot, compressedSizes, crcs }`. Nothing is allocated or transferred per batch there,
 * so neither isolate sees external memory come and go (which drove their full GCs). A batch
 * too big for a slot comes as `{ id, sizes, input }` with a transferred ArrayBuffer, and so
 * does an answer whose data would not fit its slot's output region (never expected: the pool
 * only sends a slot a batch whose deflate bound fits): `{ id, output, compressedSizes, crcs }`.
 * Any failure answers `{ id, slot?, error }` for that batch; the thread carries on.
 */
export const DEFLATE_THREAD_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const zlib = require('node:zlib');

const { level, memory, inputBytes, outputBytes } = workerData;
const slots = [];
for (let start = 0; start + inputBytes + outputBytes <= memory.byteLength; start += inputBytes + outputBytes)
  slots.push({
    input: Buffer.from(memory, start, inputBytes),
    output: Buffer.from(memory, start + inputBytes, outputBytes),
  });

parentPort.on('message', (batch) => {
  try {
    const slot = batch.slot === undefined ? undefined : slots[batch.slot];
    const input = slot ? slot.input : Buffer.from(batch.input);
    // Each file's data is copied out as soon as it is made: zlib's output buffer is garbage
    // at once instead of held until the batch ends, and there is no second pass.
    let output = slot ? slot.output : Buffer.allocUnsafeSlow(deflateBound(batch.sizes));
    let transferred = !slot;
    const compressedSizes = [];
    const crcs = [];
    let offset = 0;
    let at = 0;
    for (const size of batch.sizes) {
      const file = input.subarray(offset, offset + size);
      offset += size;
      // An output buffer sized to the file, so one call fills it: zlib's 16 KB default is
      // mostly garbage here.
      const chunkSize = Math.max(1024, Math.min(64 * 1024, size + 64));
      const out = zlib.deflateRawSync(file, { level, chunkSize });
      if (at + out.length > output.length) {
        // Never expected (the pool sends a slot only what its bound says fits): the data
        // goes on in a buffer of its own (never a slice of Buffer's pool), transferred.
        const larger = Buffer.allocUnsafeSlow(at + out.length + deflateBound(batch.sizes.slice(compressedSizes.length + 1)));
        output.copy(larger, 0, 0, at);
        output = larger;
        transferred = true;
      }
      at += out.copy(output, at);
      compressedSizes.push(out.length);
      crcs.push(zlib.crc32(file));
    }
    if (!transferred) {
      parentPort.postMessage({ id: batch.id, slot: batch.slot, compressedSizes, crcs });
    } else {
      parentPort.postMessage({ id: batch.id, slot: batch.slot, output: output.buffer, compressedSizes, crcs }, [
        output.buffer,
      ]);
    }
  } catch (error) {
    parentPort.postMessage({ id: batch.id, slot: batch.slot, error: String((error && error.stack) || error) });
  }
});

/** The pool's deflateBound, summed over the files. */
function deflateBound(sizes) {
  let bound = 0;
  for (const size of sizes) bound += size + (size >>> 12) + (size >>> 14) + 64;
  return bound;
}
`;
