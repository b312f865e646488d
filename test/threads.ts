/**
 * Thread count for test sessions: `KINDLING_TEST_THREADS` (the parity runs use 1 and 4),
 * else the given default. `npm test` runs the suites at the default, then again at 1 and 4.
 */
export function testThreads(dflt = 2): number {
  const env = process.env['KINDLING_TEST_THREADS'];
  return env ? Number(env) : dflt;
}
