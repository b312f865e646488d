/** Shared by the generator scripts: true when the module at `moduleUrl` is the one Node was started with. */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** True if `moduleUrl` (pass `import.meta.url`) is the script being run, not an import. */
export function isEntryPoint(moduleUrl: string): boolean {
  const arg = process.argv[1];
  if (arg === undefined) return false;
  try {
    return realpathSync(resolve(arg)) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}
