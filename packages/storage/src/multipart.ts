import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';

/** S3's smallest part (all but the last). */
export const PART_BYTES = 5 * 1024 * 1024;

export interface UploadParams {
  Bucket: string;
  Key: string;
  ContentType: string;
  CacheControl: string;
}

/**
 * Streams `body` to S3 through two part buffers allocated once and reused: one is sent
 * while the other fills. lib-storage's Upload concatenates each part anew, and those 5 MB
 * buffers, outside V8's heap, piled up as garbage (~75 MB per archive at peak) before a GC
 * came. A body smaller than one part is a single PutObject. On failure the multipart
 * upload is aborted, so no parts linger.
 */
export async function uploadStream(client: S3Client, params: UploadParams, body: AsyncIterable<Buffer>): Promise<void> {
  const buffers = [Buffer.allocUnsafeSlow(PART_BYTES), Buffer.allocUnsafeSlow(PART_BYTES)];
  let current = 0;
  let filled = 0;
  let uploadId: string | undefined;
  let sending: Promise<void> | undefined;
  const parts: { ETag: string; PartNumber: number }[] = [];

  const send = async (data: Buffer, PartNumber: number) => {
    uploadId ??= (await client.send(new CreateMultipartUploadCommand(params))).UploadId;
    const { ETag } = await client.send(
      new UploadPartCommand({ Bucket: params.Bucket, Key: params.Key, UploadId: uploadId, PartNumber, Body: data }),
    );
    parts.push({ ETag: ETag!, PartNumber });
  };
  // The buffer just filled goes out once the previous part is done (its buffer is then free).
  const flip = async () => {
    await sending;
    sending = send(buffers[current]!.subarray(0, filled), parts.length + 1);
    sending.catch(() => {}); // awaited at the next flip or at the end
    current = 1 - current;
    filled = 0;
  };

  try {
    for await (const chunk of body) {
      let offset = 0;
      while (offset < chunk.length) {
        const copied = chunk.copy(buffers[current]!, filled, offset);
        filled += copied;
        offset += copied;
        if (filled === PART_BYTES) await flip();
      }
    }
    if (!sending) {
      await client.send(new PutObjectCommand({ ...params, Body: buffers[current]!.subarray(0, filled) }));
      return;
    }
    if (filled > 0) await flip();
    await sending;
    await client.send(
      new CompleteMultipartUploadCommand({
        Bucket: params.Bucket,
        Key: params.Key,
        UploadId: uploadId,
        MultipartUpload: { Parts: parts.sort((a, b) => a.PartNumber - b.PartNumber) },
      }),
    );
  } catch (error) {
    await sending?.catch(() => {});
    if (uploadId)
      await client
        .send(new AbortMultipartUploadCommand({ Bucket: params.Bucket, Key: params.Key, UploadId: uploadId }))
        .catch(() => {});
    throw error;
  }
}
