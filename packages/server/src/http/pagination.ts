import { Type, type Static, type TSchema } from 'typebox';
import { ValidationError } from './errors.js';

export const PageQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'Items per page.' })),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'The `nextCursor` of the previous page.' })),
});
export type PageQuery = Static<typeof PageQuery>;

export function Page<T extends TSchema>(item: T) {
  return Type.Object({
    items: Type.Array(item),
    nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'Pass as `cursor` for the next page; null on the last page.' }),
  });
}

/** Cursors are opaque to clients: the keyset position of the last item, base64url-encoded. */
export function encodeCursor(position: number | string): string {
  return Buffer.from(JSON.stringify(position)).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number | undefined {
  if (cursor === undefined) return undefined;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  } catch {
    // fall through to the error below
  }
  throw new ValidationError('cursor is not one this server issued; pass the nextCursor of a previous page');
}

/** Slices one extra row off the end to learn whether another page exists. */
export function toPage<T>(rows: T[], limit: number, positionOf: (row: T) => number): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(positionOf(last)) : null };
}
