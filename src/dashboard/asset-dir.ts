import { fileURLToPath } from 'node:url';

/**
 * The dashboard's browser files, beside this module: src/dashboard/assets when run from the
 * sources, dist/dashboard/assets once built (the build copies them there, see bin/copy-assets.js),
 * so an image that ships only dist/ serves them.
 */
export const DASHBOARD_ASSET_DIR = fileURLToPath(new URL('./assets/', import.meta.url));
