import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Stream tickets: what lets a browser's `EventSource`, which cannot send an Authorization header,
 * open OFREP's event stream. A ticket names a token and an expiry and is signed with that token's
 * stored hash, so it needs no server secret of its own, works on every replica, and dies with the
 * token when it is revoked. The raw token never appears in a URL.
 *
 * The expiry is rounded up to the hour, so every answer within an hour carries the same ticket:
 * providers keep an open stream while the URL they are given does not change.
 */
const hourMs = 3_600_000;
const lifetimeHours = 24;
const pattern = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.(\d{10,13})\.([A-Za-z0-9_-]{43})$/;

function sign(key: Buffer, tokenId: string, expiresAt: number): string {
  return createHmac('sha256', key).update(`ofrep-events|${tokenId}|${expiresAt}`).digest('base64url');
}

export function mintTicket(tokenId: string, key: Buffer, now = Date.now()): string {
  const expiresAt = (Math.floor(now / hourMs) + 1 + lifetimeHours) * hourMs;
  return `${tokenId}.${expiresAt}.${sign(key, tokenId, expiresAt)}`;
}

/** The token a well-formed, unexpired ticket names; the signature is checked by `ticketSigned` once its key is known. */
export function parseTicket(ticket: string, now = Date.now()): { tokenId: string; expiresAt: number; signature: string } | undefined {
  const m = pattern.exec(ticket);
  if (!m) return undefined;
  const expiresAt = Number(m[2]);
  if (expiresAt <= now) return undefined;
  return { tokenId: m[1]!, expiresAt, signature: m[3]! };
}

export function ticketSigned(parsed: { tokenId: string; expiresAt: number; signature: string }, key: Buffer): boolean {
  const expected = Buffer.from(sign(key, parsed.tokenId, parsed.expiresAt));
  const given = Buffer.from(parsed.signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
