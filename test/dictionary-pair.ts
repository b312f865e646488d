/**
 * Test helpers for dictionary encoding: the same data cached with dictionaries (the default) and
 * with `kindling.dictionary.enabled` off, and a row order for comparing answers.
 */
import type { DataFrame, Row, Session } from '../src/index.js';

/** `read(true)` cached with dictionaries and `read(false)` cached with them switched off, both computed. */
export async function cachedOnAndOff(spark: Session, read: (on: boolean) => DataFrame): Promise<[DataFrame, DataFrame]> {
  const on = read(true).cache();
  await on.count();
  spark.conf.set('kindling.dictionary.enabled', false);
  try {
    const off = read(false).cache();
    await off.count();
    return [on, off];
  } finally {
    spark.conf.unset('kindling.dictionary.enabled');
  }
}

/** Rows in a canonical order (by their JSON text). */
export const sortRows = (rows: Row[]): Row[] => [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
