const lib = (await import(process.argv[2] ?? '../dist/index.js')) as typeof import('../src/index.js');
const { Session, col } = lib;
const { GROUPBY_SCHEMA } = await import('./questions.js');
const s = await Session.create({ threads: 2, progress: false });
await s.range(2000).groupBy(col('id').mod(7)).count().collect();
for (const mode of (process.argv[3] ?? 'true,false,true,false').split(',')) {
  s.conf.set('kindling.dictionary.enabled', mode);
  const t0 = performance.now();
  const x = s.read.csv('bench/data/G1_1e6_1e2_0_0.csv', { header: true, schema: GROUPBY_SCHEMA });
  const n1 = await x.count();
  const t1 = performance.now();
  const c = x.cache();
  await c.count();
  const t2 = performance.now();
  console.log(`dict=${mode} read+count ${((t1 - t0) / 1000).toFixed(2)}s  cache+count ${((t2 - t1) / 1000).toFixed(2)}s`, n1);
  await c.unpersist();
}
await s.stop();
