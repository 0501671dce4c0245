/**
 * A websocket upgrade written byte for byte over TCP, so that a test can send what no websocket client
 * would (odd or repeated headers, bad versions, junk keys), and read the server's answer: the HTTP
 * status, then, after a 101, the server's frames up to its close frame.
 */
import { connect } from 'node:net';

export type RawFrame = { opcode: number; payload: Buffer };
export type RawOutcome = {
  status: number;
  frames: RawFrame[];
  /** The server's close frame, when it sent one. */
  close?: { code: number; reason: string };
};

/** A valid Sec-WebSocket-Key (16 random bytes, base64), for handshakes that are meant to succeed. */
export const validWebSocketKey = () => Buffer.from(Array.from({ length: 16 }, () => Math.floor(Math.random() * 256))).toString('base64');

/** Server frames are never masked; payloads here are small enough for 7- and 16-bit lengths, but 64-bit ones are read too. */
function readFrames(data: Buffer): { frames: RawFrame[]; rest: Buffer } {
  const frames: RawFrame[] = [];
  let offset = 0;
  for (;;) {
    if (data.length - offset < 2) break;
    const opcode = data[offset]! & 0x0f;
    let length = data[offset + 1]! & 0x7f;
    let header = 2;
    if (length === 126) {
      if (data.length - offset < 4) break;
      length = data.readUInt16BE(offset + 2);
      header = 4;
    } else if (length === 127) {
      if (data.length - offset < 10) break;
      length = Number(data.readBigUInt64BE(offset + 2));
      header = 10;
    }
    if (data.length - offset < header + length) break;
    frames.push({ opcode, payload: data.subarray(offset + header, offset + header + length) });
    offset += header + length;
  }
  return { frames, rest: data.subarray(offset) };
}

/**
 * Sends `request` (the whole HTTP request, head and all) and resolves when the server closed the
 * websocket or the connection, or after `timeoutMs` (then with what arrived so far).
 */
export function rawUpgrade(port: number, request: Buffer, timeoutMs: number): Promise<RawOutcome> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let buffered: Buffer = Buffer.alloc(0);
    let status: number | undefined;
    const outcome: RawOutcome = { status: 0, frames: [] };
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      if (status === undefined) reject(new Error(`no HTTP answer: ${JSON.stringify(buffered.toString('latin1').slice(0, 200))}`));
      else resolve({ ...outcome, status });
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('error', () => finish());
    socket.on('close', () => finish());
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      if (status === undefined) {
        const end = buffered.indexOf('\r\n\r\n');
        if (end < 0) return;
        const statusLine = /^HTTP\/1\.1 (\d{3})/.exec(buffered.subarray(0, end).toString('latin1'));
        if (!statusLine) return finish();
        status = Number(statusLine[1]);
        buffered = buffered.subarray(end + 4);
        if (status !== 101) return finish();
      }
      const { frames, rest } = readFrames(buffered);
      buffered = rest;
      outcome.frames.push(...frames);
      const close = frames.find((frame) => frame.opcode === 0x8);
      if (close) {
        outcome.close = {
          code: close.payload.length >= 2 ? close.payload.readUInt16BE(0) : 1005,
          reason: close.payload.subarray(2).toString(),
        };
        finish();
      }
    });
    socket.write(request);
  });
}
