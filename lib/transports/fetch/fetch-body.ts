import { isReplayableBody } from '../../outbound/call-rules';

// Which request bodies fetch sends as a stream, and how a `Request`'s body is made replayable
// (after a 401, or on a 307/308), within a bound. Which bodies are replayable is the outbound
// policy's rule (outbound/call-rules.ts), the same for every transport.

/** Bytes of a `Request`'s body kept in memory so that it can be sent again. */
export const REQUEST_BODY_REPLAY_LIMIT = 1024 * 1024;

/** A body fetch reads as a stream (it then needs `duplex: 'half'`): what cannot be sent twice. */
export function isStreamBody(body: unknown): boolean {
  return !isReplayableBody(body);
}

/**
 * A `Request`'s body (what openapi-fetch and ky pass) is a stream whatever it was built from. Up
 * to {@link REQUEST_BODY_REPLAY_LIMIT} bytes are read into memory, and such a body is replayable;
 * a longer one is sent as a stream of what was read followed by the rest, and is not.
 */
export async function requestBody(request: Request): Promise<{ body: Uint8Array | ReadableStream<Uint8Array> | null; replayable: boolean }> {
  const stream = request.body;
  if (stream === null) return { body: null, replayable: true };
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { body: Buffer.concat(chunks, size), replayable: true };
    chunks.push(value);
    size += value.byteLength;
    if (size > REQUEST_BODY_REPLAY_LIMIT) break;
  }
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      chunks.length = 0;
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { body: rest, replayable: false };
}
