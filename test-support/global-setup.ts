// Filled in by the server's test support: starts one embedded PostgreSQL for the whole run.
export default async function setup(): Promise<() => Promise<void>> {
  const mod = await import('../packages/server/src/test-support/global-db.js').catch(() => null);
  if (!mod) return async () => {};
  return mod.startTestDatabase();
}
