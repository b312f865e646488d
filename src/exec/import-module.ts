/**
 * Imports a module by URL or path in the current thread (the worker's start-up modules, module
 * UDFs). TypeScript modules (when running from sources under tsx or vitest) go through tsx's API:
 * in Node 20 worker threads, loader hooks do not reach dynamic imports.
 */
export async function importModule(m: string): Promise<Record<string, unknown>> {
  if (/\.[mc]?tsx?$/.test(m)) {
    const api = 'tsx/esm/api';
    const { tsImport } = (await import(api)) as { tsImport: (spec: string, parent: string) => Promise<Record<string, unknown>> };
    return tsImport(m, import.meta.url);
  }
  return (await import(m)) as Record<string, unknown>;
}
