/**
 * A small, dependency-free SHA-1 specialised for the bucketing hash.
 *
 * The bucketing input is always `<prefix><value>` where the prefix (`flagKey.salt.` or `seed.`) is
 * constant per rollout. `createHashPrefix` hashes the prefix's complete 64-byte blocks once and keeps
 * the remaining bytes as pre-packed big-endian words, so a call only packs the value's bytes, pads,
 * and runs the one or two compression rounds that remain. Values that are pure ASCII (the common
 * case for context keys) are packed straight from `charCodeAt`; anything else is UTF-8 encoded first.
 *
 * This file is hot-path code: no allocation on the ASCII path, no closures, shared scratch buffers
 * (evaluation is synchronous and never re-entered while a hash is in progress).
 */

const W = new Int32Array(16);
const H = new Int32Array(5);

const IV0 = 0x67452301 | 0;
const IV1 = 0xefcdab89 | 0;
const IV2 = 0x98badcfe | 0;
const IV3 = 0x10325476 | 0;
const IV4 = 0xc3d2e1f0 | 0;

/**
 * One SHA-1 compression of the 16 words in W[0..15] into the state in H. Fully unrolled over local
 * variables (generated; the schedule is kept in a 16-word ring w0..w15), which V8 runs about twice as
 * fast as the loop form.
 */
// prettier-ignore
function compress(): void {
  let w0 = W[0]!;
  let w1 = W[1]!;
  let w2 = W[2]!;
  let w3 = W[3]!;
  let w4 = W[4]!;
  let w5 = W[5]!;
  let w6 = W[6]!;
  let w7 = W[7]!;
  let w8 = W[8]!;
  let w9 = W[9]!;
  let w10 = W[10]!;
  let w11 = W[11]!;
  let w12 = W[12]!;
  let w13 = W[13]!;
  let w14 = W[14]!;
  let w15 = W[15]!;
  let a = H[0]!, b = H[1]!, c = H[2]!, d = H[3]!, e = H[4]!, x = 0;
  e = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + w0 + 0x5a827999) | 0; b = (b << 30) | (b >>> 2);
  d = (((e << 5) | (e >>> 27)) + ((a & b) | (~a & c)) + d + w1 + 0x5a827999) | 0; a = (a << 30) | (a >>> 2);
  c = (((d << 5) | (d >>> 27)) + ((e & a) | (~e & b)) + c + w2 + 0x5a827999) | 0; e = (e << 30) | (e >>> 2);
  b = (((c << 5) | (c >>> 27)) + ((d & e) | (~d & a)) + b + w3 + 0x5a827999) | 0; d = (d << 30) | (d >>> 2);
  a = (((b << 5) | (b >>> 27)) + ((c & d) | (~c & e)) + a + w4 + 0x5a827999) | 0; c = (c << 30) | (c >>> 2);
  e = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + w5 + 0x5a827999) | 0; b = (b << 30) | (b >>> 2);
  d = (((e << 5) | (e >>> 27)) + ((a & b) | (~a & c)) + d + w6 + 0x5a827999) | 0; a = (a << 30) | (a >>> 2);
  c = (((d << 5) | (d >>> 27)) + ((e & a) | (~e & b)) + c + w7 + 0x5a827999) | 0; e = (e << 30) | (e >>> 2);
  b = (((c << 5) | (c >>> 27)) + ((d & e) | (~d & a)) + b + w8 + 0x5a827999) | 0; d = (d << 30) | (d >>> 2);
  a = (((b << 5) | (b >>> 27)) + ((c & d) | (~c & e)) + a + w9 + 0x5a827999) | 0; c = (c << 30) | (c >>> 2);
  e = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + w10 + 0x5a827999) | 0; b = (b << 30) | (b >>> 2);
  d = (((e << 5) | (e >>> 27)) + ((a & b) | (~a & c)) + d + w11 + 0x5a827999) | 0; a = (a << 30) | (a >>> 2);
  c = (((d << 5) | (d >>> 27)) + ((e & a) | (~e & b)) + c + w12 + 0x5a827999) | 0; e = (e << 30) | (e >>> 2);
  b = (((c << 5) | (c >>> 27)) + ((d & e) | (~d & a)) + b + w13 + 0x5a827999) | 0; d = (d << 30) | (d >>> 2);
  a = (((b << 5) | (b >>> 27)) + ((c & d) | (~c & e)) + a + w14 + 0x5a827999) | 0; c = (c << 30) | (c >>> 2);
  e = (((a << 5) | (a >>> 27)) + ((b & c) | (~b & d)) + e + w15 + 0x5a827999) | 0; b = (b << 30) | (b >>> 2);
  x = w13 ^ w8 ^ w2 ^ w0; w0 = (x << 1) | (x >>> 31);
  d = (((e << 5) | (e >>> 27)) + ((a & b) | (~a & c)) + d + w0 + 0x5a827999) | 0; a = (a << 30) | (a >>> 2);
  x = w14 ^ w9 ^ w3 ^ w1; w1 = (x << 1) | (x >>> 31);
  c = (((d << 5) | (d >>> 27)) + ((e & a) | (~e & b)) + c + w1 + 0x5a827999) | 0; e = (e << 30) | (e >>> 2);
  x = w15 ^ w10 ^ w4 ^ w2; w2 = (x << 1) | (x >>> 31);
  b = (((c << 5) | (c >>> 27)) + ((d & e) | (~d & a)) + b + w2 + 0x5a827999) | 0; d = (d << 30) | (d >>> 2);
  x = w0 ^ w11 ^ w5 ^ w3; w3 = (x << 1) | (x >>> 31);
  a = (((b << 5) | (b >>> 27)) + ((c & d) | (~c & e)) + a + w3 + 0x5a827999) | 0; c = (c << 30) | (c >>> 2);
  x = w1 ^ w12 ^ w6 ^ w4; w4 = (x << 1) | (x >>> 31);
  e = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + w4 + 0x6ed9eba1) | 0; b = (b << 30) | (b >>> 2);
  x = w2 ^ w13 ^ w7 ^ w5; w5 = (x << 1) | (x >>> 31);
  d = (((e << 5) | (e >>> 27)) + (a ^ b ^ c) + d + w5 + 0x6ed9eba1) | 0; a = (a << 30) | (a >>> 2);
  x = w3 ^ w14 ^ w8 ^ w6; w6 = (x << 1) | (x >>> 31);
  c = (((d << 5) | (d >>> 27)) + (e ^ a ^ b) + c + w6 + 0x6ed9eba1) | 0; e = (e << 30) | (e >>> 2);
  x = w4 ^ w15 ^ w9 ^ w7; w7 = (x << 1) | (x >>> 31);
  b = (((c << 5) | (c >>> 27)) + (d ^ e ^ a) + b + w7 + 0x6ed9eba1) | 0; d = (d << 30) | (d >>> 2);
  x = w5 ^ w0 ^ w10 ^ w8; w8 = (x << 1) | (x >>> 31);
  a = (((b << 5) | (b >>> 27)) + (c ^ d ^ e) + a + w8 + 0x6ed9eba1) | 0; c = (c << 30) | (c >>> 2);
  x = w6 ^ w1 ^ w11 ^ w9; w9 = (x << 1) | (x >>> 31);
  e = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + w9 + 0x6ed9eba1) | 0; b = (b << 30) | (b >>> 2);
  x = w7 ^ w2 ^ w12 ^ w10; w10 = (x << 1) | (x >>> 31);
  d = (((e << 5) | (e >>> 27)) + (a ^ b ^ c) + d + w10 + 0x6ed9eba1) | 0; a = (a << 30) | (a >>> 2);
  x = w8 ^ w3 ^ w13 ^ w11; w11 = (x << 1) | (x >>> 31);
  c = (((d << 5) | (d >>> 27)) + (e ^ a ^ b) + c + w11 + 0x6ed9eba1) | 0; e = (e << 30) | (e >>> 2);
  x = w9 ^ w4 ^ w14 ^ w12; w12 = (x << 1) | (x >>> 31);
  b = (((c << 5) | (c >>> 27)) + (d ^ e ^ a) + b + w12 + 0x6ed9eba1) | 0; d = (d << 30) | (d >>> 2);
  x = w10 ^ w5 ^ w15 ^ w13; w13 = (x << 1) | (x >>> 31);
  a = (((b << 5) | (b >>> 27)) + (c ^ d ^ e) + a + w13 + 0x6ed9eba1) | 0; c = (c << 30) | (c >>> 2);
  x = w11 ^ w6 ^ w0 ^ w14; w14 = (x << 1) | (x >>> 31);
  e = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + w14 + 0x6ed9eba1) | 0; b = (b << 30) | (b >>> 2);
  x = w12 ^ w7 ^ w1 ^ w15; w15 = (x << 1) | (x >>> 31);
  d = (((e << 5) | (e >>> 27)) + (a ^ b ^ c) + d + w15 + 0x6ed9eba1) | 0; a = (a << 30) | (a >>> 2);
  x = w13 ^ w8 ^ w2 ^ w0; w0 = (x << 1) | (x >>> 31);
  c = (((d << 5) | (d >>> 27)) + (e ^ a ^ b) + c + w0 + 0x6ed9eba1) | 0; e = (e << 30) | (e >>> 2);
  x = w14 ^ w9 ^ w3 ^ w1; w1 = (x << 1) | (x >>> 31);
  b = (((c << 5) | (c >>> 27)) + (d ^ e ^ a) + b + w1 + 0x6ed9eba1) | 0; d = (d << 30) | (d >>> 2);
  x = w15 ^ w10 ^ w4 ^ w2; w2 = (x << 1) | (x >>> 31);
  a = (((b << 5) | (b >>> 27)) + (c ^ d ^ e) + a + w2 + 0x6ed9eba1) | 0; c = (c << 30) | (c >>> 2);
  x = w0 ^ w11 ^ w5 ^ w3; w3 = (x << 1) | (x >>> 31);
  e = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + w3 + 0x6ed9eba1) | 0; b = (b << 30) | (b >>> 2);
  x = w1 ^ w12 ^ w6 ^ w4; w4 = (x << 1) | (x >>> 31);
  d = (((e << 5) | (e >>> 27)) + (a ^ b ^ c) + d + w4 + 0x6ed9eba1) | 0; a = (a << 30) | (a >>> 2);
  x = w2 ^ w13 ^ w7 ^ w5; w5 = (x << 1) | (x >>> 31);
  c = (((d << 5) | (d >>> 27)) + (e ^ a ^ b) + c + w5 + 0x6ed9eba1) | 0; e = (e << 30) | (e >>> 2);
  x = w3 ^ w14 ^ w8 ^ w6; w6 = (x << 1) | (x >>> 31);
  b = (((c << 5) | (c >>> 27)) + (d ^ e ^ a) + b + w6 + 0x6ed9eba1) | 0; d = (d << 30) | (d >>> 2);
  x = w4 ^ w15 ^ w9 ^ w7; w7 = (x << 1) | (x >>> 31);
  a = (((b << 5) | (b >>> 27)) + (c ^ d ^ e) + a + w7 + 0x6ed9eba1) | 0; c = (c << 30) | (c >>> 2);
  x = w5 ^ w0 ^ w10 ^ w8; w8 = (x << 1) | (x >>> 31);
  e = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + w8 + 0x8f1bbcdc) | 0; b = (b << 30) | (b >>> 2);
  x = w6 ^ w1 ^ w11 ^ w9; w9 = (x << 1) | (x >>> 31);
  d = (((e << 5) | (e >>> 27)) + ((a & b) | (a & c) | (b & c)) + d + w9 + 0x8f1bbcdc) | 0; a = (a << 30) | (a >>> 2);
  x = w7 ^ w2 ^ w12 ^ w10; w10 = (x << 1) | (x >>> 31);
  c = (((d << 5) | (d >>> 27)) + ((e & a) | (e & b) | (a & b)) + c + w10 + 0x8f1bbcdc) | 0; e = (e << 30) | (e >>> 2);
  x = w8 ^ w3 ^ w13 ^ w11; w11 = (x << 1) | (x >>> 31);
  b = (((c << 5) | (c >>> 27)) + ((d & e) | (d & a) | (e & a)) + b + w11 + 0x8f1bbcdc) | 0; d = (d << 30) | (d >>> 2);
  x = w9 ^ w4 ^ w14 ^ w12; w12 = (x << 1) | (x >>> 31);
  a = (((b << 5) | (b >>> 27)) + ((c & d) | (c & e) | (d & e)) + a + w12 + 0x8f1bbcdc) | 0; c = (c << 30) | (c >>> 2);
  x = w10 ^ w5 ^ w15 ^ w13; w13 = (x << 1) | (x >>> 31);
  e = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + w13 + 0x8f1bbcdc) | 0; b = (b << 30) | (b >>> 2);
  x = w11 ^ w6 ^ w0 ^ w14; w14 = (x << 1) | (x >>> 31);
  d = (((e << 5) | (e >>> 27)) + ((a & b) | (a & c) | (b & c)) + d + w14 + 0x8f1bbcdc) | 0; a = (a << 30) | (a >>> 2);
  x = w12 ^ w7 ^ w1 ^ w15; w15 = (x << 1) | (x >>> 31);
  c = (((d << 5) | (d >>> 27)) + ((e & a) | (e & b) | (a & b)) + c + w15 + 0x8f1bbcdc) | 0; e = (e << 30) | (e >>> 2);
  x = w13 ^ w8 ^ w2 ^ w0; w0 = (x << 1) | (x >>> 31);
  b = (((c << 5) | (c >>> 27)) + ((d & e) | (d & a) | (e & a)) + b + w0 + 0x8f1bbcdc) | 0; d = (d << 30) | (d >>> 2);
  x = w14 ^ w9 ^ w3 ^ w1; w1 = (x << 1) | (x >>> 31);
  a = (((b << 5) | (b >>> 27)) + ((c & d) | (c & e) | (d & e)) + a + w1 + 0x8f1bbcdc) | 0; c = (c << 30) | (c >>> 2);
  x = w15 ^ w10 ^ w4 ^ w2; w2 = (x << 1) | (x >>> 31);
  e = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + w2 + 0x8f1bbcdc) | 0; b = (b << 30) | (b >>> 2);
  x = w0 ^ w11 ^ w5 ^ w3; w3 = (x << 1) | (x >>> 31);
  d = (((e << 5) | (e >>> 27)) + ((a & b) | (a & c) | (b & c)) + d + w3 + 0x8f1bbcdc) | 0; a = (a << 30) | (a >>> 2);
  x = w1 ^ w12 ^ w6 ^ w4; w4 = (x << 1) | (x >>> 31);
  c = (((d << 5) | (d >>> 27)) + ((e & a) | (e & b) | (a & b)) + c + w4 + 0x8f1bbcdc) | 0; e = (e << 30) | (e >>> 2);
  x = w2 ^ w13 ^ w7 ^ w5; w5 = (x << 1) | (x >>> 31);
  b = (((c << 5) | (c >>> 27)) + ((d & e) | (d & a) | (e & a)) + b + w5 + 0x8f1bbcdc) | 0; d = (d << 30) | (d >>> 2);
  x = w3 ^ w14 ^ w8 ^ w6; w6 = (x << 1) | (x >>> 31);
  a = (((b << 5) | (b >>> 27)) + ((c & d) | (c & e) | (d & e)) + a + w6 + 0x8f1bbcdc) | 0; c = (c << 30) | (c >>> 2);
  x = w4 ^ w15 ^ w9 ^ w7; w7 = (x << 1) | (x >>> 31);
  e = (((a << 5) | (a >>> 27)) + ((b & c) | (b & d) | (c & d)) + e + w7 + 0x8f1bbcdc) | 0; b = (b << 30) | (b >>> 2);
  x = w5 ^ w0 ^ w10 ^ w8; w8 = (x << 1) | (x >>> 31);
  d = (((e << 5) | (e >>> 27)) + ((a & b) | (a & c) | (b & c)) + d + w8 + 0x8f1bbcdc) | 0; a = (a << 30) | (a >>> 2);
  x = w6 ^ w1 ^ w11 ^ w9; w9 = (x << 1) | (x >>> 31);
  c = (((d << 5) | (d >>> 27)) + ((e & a) | (e & b) | (a & b)) + c + w9 + 0x8f1bbcdc) | 0; e = (e << 30) | (e >>> 2);
  x = w7 ^ w2 ^ w12 ^ w10; w10 = (x << 1) | (x >>> 31);
  b = (((c << 5) | (c >>> 27)) + ((d & e) | (d & a) | (e & a)) + b + w10 + 0x8f1bbcdc) | 0; d = (d << 30) | (d >>> 2);
  x = w8 ^ w3 ^ w13 ^ w11; w11 = (x << 1) | (x >>> 31);
  a = (((b << 5) | (b >>> 27)) + ((c & d) | (c & e) | (d & e)) + a + w11 + 0x8f1bbcdc) | 0; c = (c << 30) | (c >>> 2);
  x = w9 ^ w4 ^ w14 ^ w12; w12 = (x << 1) | (x >>> 31);
  e = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + w12 + 0xca62c1d6) | 0; b = (b << 30) | (b >>> 2);
  x = w10 ^ w5 ^ w15 ^ w13; w13 = (x << 1) | (x >>> 31);
  d = (((e << 5) | (e >>> 27)) + (a ^ b ^ c) + d + w13 + 0xca62c1d6) | 0; a = (a << 30) | (a >>> 2);
  x = w11 ^ w6 ^ w0 ^ w14; w14 = (x << 1) | (x >>> 31);
  c = (((d << 5) | (d >>> 27)) + (e ^ a ^ b) + c + w14 + 0xca62c1d6) | 0; e = (e << 30) | (e >>> 2);
  x = w12 ^ w7 ^ w1 ^ w15; w15 = (x << 1) | (x >>> 31);
  b = (((c << 5) | (c >>> 27)) + (d ^ e ^ a) + b + w15 + 0xca62c1d6) | 0; d = (d << 30) | (d >>> 2);
  x = w13 ^ w8 ^ w2 ^ w0; w0 = (x << 1) | (x >>> 31);
  a = (((b << 5) | (b >>> 27)) + (c ^ d ^ e) + a + w0 + 0xca62c1d6) | 0; c = (c << 30) | (c >>> 2);
  x = w14 ^ w9 ^ w3 ^ w1; w1 = (x << 1) | (x >>> 31);
  e = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + w1 + 0xca62c1d6) | 0; b = (b << 30) | (b >>> 2);
  x = w15 ^ w10 ^ w4 ^ w2; w2 = (x << 1) | (x >>> 31);
  d = (((e << 5) | (e >>> 27)) + (a ^ b ^ c) + d + w2 + 0xca62c1d6) | 0; a = (a << 30) | (a >>> 2);
  x = w0 ^ w11 ^ w5 ^ w3; w3 = (x << 1) | (x >>> 31);
  c = (((d << 5) | (d >>> 27)) + (e ^ a ^ b) + c + w3 + 0xca62c1d6) | 0; e = (e << 30) | (e >>> 2);
  x = w1 ^ w12 ^ w6 ^ w4; w4 = (x << 1) | (x >>> 31);
  b = (((c << 5) | (c >>> 27)) + (d ^ e ^ a) + b + w4 + 0xca62c1d6) | 0; d = (d << 30) | (d >>> 2);
  x = w2 ^ w13 ^ w7 ^ w5; w5 = (x << 1) | (x >>> 31);
  a = (((b << 5) | (b >>> 27)) + (c ^ d ^ e) + a + w5 + 0xca62c1d6) | 0; c = (c << 30) | (c >>> 2);
  x = w3 ^ w14 ^ w8 ^ w6; w6 = (x << 1) | (x >>> 31);
  e = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + w6 + 0xca62c1d6) | 0; b = (b << 30) | (b >>> 2);
  x = w4 ^ w15 ^ w9 ^ w7; w7 = (x << 1) | (x >>> 31);
  d = (((e << 5) | (e >>> 27)) + (a ^ b ^ c) + d + w7 + 0xca62c1d6) | 0; a = (a << 30) | (a >>> 2);
  x = w5 ^ w0 ^ w10 ^ w8; w8 = (x << 1) | (x >>> 31);
  c = (((d << 5) | (d >>> 27)) + (e ^ a ^ b) + c + w8 + 0xca62c1d6) | 0; e = (e << 30) | (e >>> 2);
  x = w6 ^ w1 ^ w11 ^ w9; w9 = (x << 1) | (x >>> 31);
  b = (((c << 5) | (c >>> 27)) + (d ^ e ^ a) + b + w9 + 0xca62c1d6) | 0; d = (d << 30) | (d >>> 2);
  x = w7 ^ w2 ^ w12 ^ w10; w10 = (x << 1) | (x >>> 31);
  a = (((b << 5) | (b >>> 27)) + (c ^ d ^ e) + a + w10 + 0xca62c1d6) | 0; c = (c << 30) | (c >>> 2);
  x = w8 ^ w3 ^ w13 ^ w11; w11 = (x << 1) | (x >>> 31);
  e = (((a << 5) | (a >>> 27)) + (b ^ c ^ d) + e + w11 + 0xca62c1d6) | 0; b = (b << 30) | (b >>> 2);
  x = w9 ^ w4 ^ w14 ^ w12; w12 = (x << 1) | (x >>> 31);
  d = (((e << 5) | (e >>> 27)) + (a ^ b ^ c) + d + w12 + 0xca62c1d6) | 0; a = (a << 30) | (a >>> 2);
  x = w10 ^ w5 ^ w15 ^ w13; w13 = (x << 1) | (x >>> 31);
  c = (((d << 5) | (d >>> 27)) + (e ^ a ^ b) + c + w13 + 0xca62c1d6) | 0; e = (e << 30) | (e >>> 2);
  x = w11 ^ w6 ^ w0 ^ w14; w14 = (x << 1) | (x >>> 31);
  b = (((c << 5) | (c >>> 27)) + (d ^ e ^ a) + b + w14 + 0xca62c1d6) | 0; d = (d << 30) | (d >>> 2);
  x = w12 ^ w7 ^ w1 ^ w15; w15 = (x << 1) | (x >>> 31);
  a = (((b << 5) | (b >>> 27)) + (c ^ d ^ e) + a + w15 + 0xca62c1d6) | 0; c = (c << 30) | (c >>> 2);
  H[0] = (H[0]! + a) | 0;
  H[1] = (H[1]! + b) | 0;
  H[2] = (H[2]! + c) | 0;
  H[3] = (H[3]! + d) | 0;
  H[4] = (H[4]! + e) | 0;
}


/** UTF-8 bytes of a string (lone surrogates become U+FFFD, as TextEncoder does). */
function utf8Bytes(s: string): Uint8Array {
  return ENCODER.encode(s);
}
const ENCODER = new TextEncoder();

/** The pre-computed state of a constant hash prefix. Immutable once built. */
export interface HashPrefix {
  /** State after the prefix's complete 64-byte blocks. */
  readonly h0: number;
  readonly h1: number;
  readonly h2: number;
  readonly h3: number;
  readonly h4: number;
  /** The remaining (< 64) prefix bytes, packed big-endian into 16 words, zero-filled. */
  readonly tail: Int32Array;
  readonly tailLen: number;
  /** Total prefix length in bytes. */
  readonly byteLen: number;
}

function resetIV(): void {
  H[0] = IV0;
  H[1] = IV1;
  H[2] = IV2;
  H[3] = IV3;
  H[4] = IV4;
}

function zeroW(): void {
  for (let j = 0; j < 16; j++) W[j] = 0;
}

export function createHashPrefix(prefix: string): HashPrefix {
  const bytes = utf8Bytes(prefix);
  resetIV();
  const full = bytes.length - (bytes.length % 64);
  for (let off = 0; off < full; off += 64) {
    zeroW();
    for (let i = 0; i < 64; i++) W[i >> 2] = W[i >> 2]! | (bytes[off + i]! << (24 - ((i & 3) << 3)));
    compress();
  }
  const tail = new Int32Array(16);
  const tailLen = bytes.length - full;
  for (let i = 0; i < tailLen; i++) tail[i >> 2] = tail[i >> 2]! | (bytes[full + i]! << (24 - ((i & 3) << 3)));
  return Object.freeze({ h0: H[0]!, h1: H[1]!, h2: H[2]!, h3: H[3]!, h4: H[4]!, tail, tailLen, byteLen: bytes.length });
}

/** Load a prefix's state into H and its tail into W[0..15]; returns the tail length. */
function loadPrefix(p: HashPrefix): number {
  H[0] = p.h0;
  H[1] = p.h1;
  H[2] = p.h2;
  H[3] = p.h3;
  H[4] = p.h4;
  const tail = p.tail;
  for (let j = 0; j < 16; j++) W[j] = tail[j]!;
  return p.tailLen;
}

/** Pad and finish; `pos` is the byte position in the current block, `totalLen` the message length in bytes. */
function finish(pos: number, totalLen: number): void {
  W[pos >> 2] = W[pos >> 2]! | (0x80 << (24 - ((pos & 3) << 3)));
  pos++;
  if (pos > 56) {
    compress();
    zeroW();
  }
  const bitLen = totalLen * 8;
  W[14] = Math.floor(bitLen / 0x100000000) | 0;
  W[15] = bitLen | 0;
  compress();
}

function hashBytesAfterPrefix(p: HashPrefix, bytes: Uint8Array): void {
  let pos = loadPrefix(p);
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    W[pos >> 2] = W[pos >> 2]! | (bytes[i]! << (24 - ((pos & 3) << 3)));
    if (++pos === 64) {
      compress();
      zeroW();
      pos = 0;
    }
  }
  finish(pos, p.byteLen + n);
}

/**
 * Hash `<prefix><value>` and leave the digest in H. ASCII values are packed without encoding.
 */
function hashAfterPrefix(p: HashPrefix, value: string): void {
  let pos = loadPrefix(p);
  const n = value.length;
  for (let i = 0; i < n; i++) {
    const c = value.charCodeAt(i);
    if (c > 0x7f) {
      hashBytesAfterPrefix(p, utf8Bytes(value));
      return;
    }
    W[pos >> 2] = W[pos >> 2]! | (c << (24 - ((pos & 3) << 3)));
    if (++pos === 64) {
      compress();
      zeroW();
      pos = 0;
    }
  }
  finish(pos, p.byteLen + n);
}

/**
 * `parseInt(sha1Hex(prefix + value).substring(0, 15), 16) / 0xFFFFFFFFFFFFFFF`, computed without
 * building the hex string. The first 15 hex digits are the 32 bits of h0 followed by the top 28 bits
 * of h1; `h0 * 2^28` is exact in a double and the single addition rounds to nearest exactly as
 * `parseInt` rounds the 60-bit integer, so the result is bit-for-bit identical.
 */
export function hashFraction(p: HashPrefix, value: string): number {
  hashAfterPrefix(p, value);
  // biome-ignore lint/correctness/noPrecisionLoss: LaunchDarkly's bucketing divides by this literal, rounded as it is
  return ((H[0]! >>> 0) * 268435456 + (H[1]! >>> 4)) / 0xfffffffffffffff;
}

const EMPTY_PREFIX = createHashPrefix('');

function hex8(x: number): string {
  return (x >>> 0).toString(16).padStart(8, '0');
}

/** Lower-case hex SHA-1 of the UTF-8 encoding of `s`. */
export function sha1Hex(s: string): string {
  hashAfterPrefix(EMPTY_PREFIX, s);
  return hex8(H[0]!) + hex8(H[1]!) + hex8(H[2]!) + hex8(H[3]!) + hex8(H[4]!);
}
