import type { IncomingHttpHeaders } from 'node:http';
import type { Murmur3State } from '@gantry/core';
import { stickyBucketWithPrefix, WEIGHT_TOTAL } from './bucket.js';
import { versionForBucket, type CompiledTable, type CompiledVersion } from './route-table.js';

/** The value of one cookie in a `Cookie` header, or undefined. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  let at = 0;
  while (at < header.length) {
    let end = header.indexOf(';', at);
    if (end === -1) end = header.length;
    const eq = header.indexOf('=', at);
    if (eq !== -1 && eq < end && header.slice(at, eq).trim() === name) {
      let value = header.slice(eq + 1, end).trim();
      if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      return value;
    }
    at = end + 1;
  }
  return undefined;
}

function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Choose the version for one request: a matching header route first, then the sticky value's
 * bucket, then a random bucket. Each request reads one table, so a swap is never seen half done.
 */
export function selectVersion(table: CompiledTable, headers: IncomingHttpHeaders, sticky: Murmur3State, random: () => number): CompiledVersion | undefined {
  for (const route of table.headerRoutes) {
    if (headerValue(headers, route.header) === route.value) return route.target;
  }
  if (table.weighted.length === 1) return table.weighted[0];
  let value: string | undefined;
  if (table.stickyHeader) value = headerValue(headers, table.stickyHeader);
  if (!value && table.stickyCookie) value = readCookie(headers.cookie, table.stickyCookie);
  const bucket = value ? stickyBucketWithPrefix(sticky, value) : Math.floor(random() * WEIGHT_TOTAL);
  return versionForBucket(table, bucket);
}
