// Messages over a stream socket, for the embedded database's holder and its clients: a 4-byte
// big-endian length, then the message in V8's structured serialization, so that what a query
// returns (Dates, Buffers of snapshots, BigInts) arrives as PGlite gave it.
import type { Socket } from 'node:net';
import { deserialize, serialize } from 'node:v8';

export function sendFrame(socket: Socket, message: unknown): void {
  const body = serialize(message);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(body.length);
  socket.write(Buffer.concat([head, body]));
}

/** Calls `onMessage` with each whole message the socket brings (a large one may span many reads); answers how to stop. */
export function readFrames(socket: Socket, onMessage: (message: unknown) => void): () => void {
  let chunks: Buffer[] = [];
  let buffered = 0;
  const onData = (chunk: Buffer) => {
    chunks.push(chunk);
    buffered += chunk.length;
    for (;;) {
      if (buffered < 4) return;
      let all = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, buffered);
      chunks = [all];
      const size = all.readUInt32BE(0);
      if (buffered < 4 + size) return;
      const message = deserialize(all.subarray(4, 4 + size));
      all = all.subarray(4 + size);
      chunks = all.length > 0 ? [all] : [];
      buffered = all.length;
      onMessage(message);
    }
  };
  socket.on('data', onData);
  return () => socket.off('data', onData);
}
