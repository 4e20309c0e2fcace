import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** Repository (or installed package) root: one folder up from src/ under tsx, from dist/ when built. */
export const PACKAGE_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
