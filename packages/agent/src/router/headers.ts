/** Hop-by-hop headers (RFC 9110 §7.6.1 plus common non-standard ones): never forwarded. */
export const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'http2-settings',
]);

/** Lengths of the hop-by-hop names: most headers are skipped without lower-casing them. */
const HOP_LENGTHS = new Set([...HOP_BY_HOP].map((name) => name.length));

function isHopByHop(name: string, drop: Set<string> | undefined): boolean {
  if (!HOP_LENGTHS.has(name.length) && drop === undefined) return false;
  const lower = name.toLowerCase();
  return HOP_BY_HOP.has(lower) || drop?.has(lower) === true;
}

export interface ForwardContext {
  /** The peer address of the client connection. */
  clientAddress: string;
  /** What the router reports as `X-Forwarded-Proto`. */
  proto: string;
  /** Keep `X-Forwarded-Proto`/`-Host` set by a proxy in front instead of overwriting them. */
  trustProxyHeaders: boolean;
  /** For an upgrade request, the `Upgrade` value to pass on (hop-by-hop, so re-added explicitly). */
  upgrade?: string;
}

function connectionTokens(raw: readonly string[]): Set<string> | undefined {
  let tokens: Set<string> | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    if ((raw[i] as string).length === 10 && (raw[i] as string).toLowerCase() === 'connection') {
      for (const token of (raw[i + 1] as string).split(',')) {
        const t = token.trim().toLowerCase();
        // `close` and the standard hop-by-hop names need no extra removal.
        if (t && t !== 'close' && !HOP_BY_HOP.has(t)) (tokens ??= new Set()).add(t);
      }
    }
  }
  return tokens;
}

/** Strip an IPv4-mapped IPv6 prefix so logs and `X-Forwarded-For` read `127.0.0.1`. */
export function plainAddress(address: string | undefined): string {
  if (!address) return 'unknown';
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * Headers for the upstream request, as a flat `[name, value, …]` list: hop-by-hop headers
 * removed, `X-Forwarded-For` appended to, `X-Forwarded-Proto`/`-Host` set. `Host` is kept.
 */
export function upstreamRequestHeaders(raw: readonly string[], ctx: ForwardContext): string[] {
  const drop = connectionTokens(raw);
  const out: string[] = [];
  let forwardedFor: string | undefined;
  let forwardedProto: string | undefined;
  let forwardedHost: string | undefined;
  let host: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    if ((name.charCodeAt(0) | 0x20) === 0x78 && name.length >= 15) {
      const lower = name.toLowerCase();
      if (lower === 'x-forwarded-for') {
        forwardedFor = forwardedFor === undefined ? value : `${forwardedFor}, ${value}`;
        continue;
      }
      if (lower === 'x-forwarded-proto') {
        forwardedProto ??= value;
        continue;
      }
      if (lower === 'x-forwarded-host') {
        forwardedHost ??= value;
        continue;
      }
    } else if (name.length === 4 && name.toLowerCase() === 'host') host ??= value;
    if (isHopByHop(name, drop)) continue;
    out.push(name, value);
  }
  out.push('X-Forwarded-For', forwardedFor ? `${forwardedFor}, ${ctx.clientAddress}` : ctx.clientAddress);
  out.push('X-Forwarded-Proto', ctx.trustProxyHeaders && forwardedProto ? forwardedProto : ctx.proto);
  const fwdHost = ctx.trustProxyHeaders && forwardedHost ? forwardedHost : host;
  if (fwdHost !== undefined) out.push('X-Forwarded-Host', fwdHost);
  if (ctx.upgrade !== undefined) out.push('Connection', 'Upgrade', 'Upgrade', ctx.upgrade);
  return out;
}

/** Response headers from an upstream without its hop-by-hop headers, as a flat list. */
export function downstreamResponseHeaders(raw: readonly string[]): string[] {
  const drop = connectionTokens(raw);
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (!isHopByHop(name, drop)) out.push(name, raw[i + 1] as string);
  }
  return out;
}
