import { readFileSync } from 'node:fs';

/**
 * The service's version: package.json's, read once. One number for /docs, /v1/status, the
 * CLI's --version and the image's label (the Dockerfile copies package.json beside dist/;
 * src/version.ts and dist/version.js both find it one folder up).
 */
export const VERSION: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
