/** Test helper: the stages a session completes while `run` runs (its `stageCompleted` events). */
import type { Session } from '../src/index.js';
import type { StageMetrics } from '../src/exec/scheduler.js';

export async function stagesOf<T>(s: Session, run: () => Promise<T>): Promise<{ out: T; stages: StageMetrics[] }> {
  const stages: StageMetrics[] = [];
  const off = s.on('stageCompleted', (m) => stages.push(m));
  try {
    return { out: await run(), stages };
  } finally {
    off();
  }
}
