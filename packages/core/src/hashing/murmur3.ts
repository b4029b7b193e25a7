/**
 * MurmurHash3, x86 32-bit variant, seed 0, over the UTF-8 bytes of a string (lone UTF-16
 * surrogates are encoded as U+FFFD, as `TextEncoder` does). The UTF-8 encoding is done on the fly,
 * so hashing allocates nothing.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

/** The hash state after some bytes: full 4-byte blocks folded into `h1`, the rest in `tail`. */
export interface Murmur3State {
  readonly h1: number;
  readonly tail: number;
  readonly tailLength: number;
  readonly length: number;
}

/** Where `absorb` leaves its state: h1, tail, tailLength, length. */
const scratch = new Int32Array(4);

function absorb(h1: number, k: number, n: number, length: number, text: string): void {
  const size = text.length;
  for (let i = 0; i < size; i++) {
    let c = text.charCodeAt(i);
    let packed: number;
    let count: number;
    if (c < 0x80) {
      packed = c;
      count = 1;
    } else if (c < 0x800) {
      packed = (0xc0 | (c >> 6)) | ((0x80 | (c & 63)) << 8);
      count = 2;
    } else {
      const next = i + 1 < size ? text.charCodeAt(i + 1) : 0;
      if (c >= 0xd800 && c < 0xdc00 && next >= 0xdc00 && next < 0xe000) {
        const cp = ((c - 0xd800) << 10) + (next - 0xdc00) + 0x10000;
        i++;
        packed = (0xf0 | (cp >> 18)) | ((0x80 | ((cp >> 12) & 63)) << 8) | ((0x80 | ((cp >> 6) & 63)) << 16) | ((0x80 | (cp & 63)) << 24);
        count = 4;
      } else {
        if (c >= 0xd800 && c < 0xe000) c = 0xfffd;
        packed = (0xe0 | (c >> 12)) | ((0x80 | ((c >> 6) & 63)) << 8) | ((0x80 | (c & 63)) << 16);
        count = 3;
      }
    }
    for (let b = 0; b < count; b++) {
      k |= (packed & 0xff) << (n << 3);
      packed >>>= 8;
      n++;
      length++;
      if (n === 4) {
        k = Math.imul(k, C1);
        k = (k << 15) | (k >>> 17);
        k = Math.imul(k, C2);
        h1 ^= k;
        h1 = (h1 << 13) | (h1 >>> 19);
        h1 = (Math.imul(h1, 5) + 0xe6546b64) | 0;
        k = 0;
        n = 0;
      }
    }
  }
  scratch[0] = h1;
  scratch[1] = k;
  scratch[2] = n;
  scratch[3] = length;
}

function finish(): number {
  let h1 = scratch[0]!;
  let k = scratch[1]!;
  if (scratch[2]! > 0) {
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h1 ^= k;
  }
  h1 ^= scratch[3]!;
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h1 = Math.imul(h1, 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  return h1 >>> 0;
}

/**
 * The state after hashing `prefix`, to be continued with {@link murmur3Continue}. Lets a caller
 * hash a constant prefix once and only the variable suffix per call.
 *
 * @example
 * const state = murmur3Prefix('new-checkout.b7f1c2.');
 * murmur3Continue(state, 'user-123') === murmur3('new-checkout.b7f1c2.user-123'); // true
 */
export function murmur3Prefix(prefix: string): Murmur3State {
  absorb(0, 0, 0, 0, prefix);
  return Object.freeze({ h1: scratch[0]!, tail: scratch[1]!, tailLength: scratch[2]!, length: scratch[3]! });
}

/**
 * The hash of the state's prefix followed by `suffix`, as an unsigned 32-bit integer.
 *
 * @example
 * murmur3Continue(murmur3Prefix('hel'), 'lo'); // 613153351, same as murmur3('hello')
 */
export function murmur3Continue(state: Murmur3State, suffix: string): number {
  absorb(state.h1, state.tail, state.tailLength, state.length, suffix);
  return finish();
}

/**
 * MurmurHash3 x86 32-bit (seed 0) of the UTF-8 bytes of `text`, as an unsigned 32-bit integer.
 *
 * @example
 * murmur3('hello'); // 613153351 (0x248bfa47)
 */
export function murmur3(text: string): number {
  absorb(0, 0, 0, 0, text);
  return finish();
}
