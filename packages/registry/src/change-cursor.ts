import type { Position } from '@packhouse/db';
import { DomainError } from './errors.ts';

/**
 * The change feed's cursor: opaque to clients, `base64url("1.<epoch token>.<txid>.<id>")`
 * inside. It means "every change at or before this position is final".
 */
export interface Cursor {
  epoch: string;
  position: Position;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`1.${cursor.epoch}.${cursor.position.txid}.${cursor.position.id}`).toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  const match = /^1\.([0-9a-f]{32})\.(\d{1,20})\.(\d{1,19})$/.exec(Buffer.from(text, 'base64url').toString('latin1'));
  if (!match)
    throw new DomainError(
      'invalid_cursor',
      400,
      'since: not a cursor this server issued; use the `next` of a page, or start without `since`.',
    );
  return { epoch: match[1]!, position: { txid: match[2]!, id: match[3]! } };
}

/** Positions compare as (txid, id), both unsigned 64-bit. */
export function comparePositions(a: Position, b: Position): number {
  const byTxid = BigInt(a.txid) - BigInt(b.txid);
  if (byTxid !== 0n) return byTxid < 0n ? -1 : 1;
  const byId = BigInt(a.id) - BigInt(b.id);
  return byId === 0n ? 0 : byId < 0n ? -1 : 1;
}
