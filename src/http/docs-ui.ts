import type { FastifySwaggerUiOptions } from '@fastify/swagger-ui';

/** The mark the dashboard shows (a rounded square in its two colours), as an SVG. */
export const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#4f46e5"/><stop offset="1" stop-color="#06b6d4"/></linearGradient></defs><rect width="32" height="32" rx="8" fill="url(#g)"/></svg>`;

/**
 * /docs's own Content-Security-Policy. The one @fastify/swagger-ui sends with `staticCSP: true`
 * ends in `upgrade-insecure-requests`: over plain HTTP on any host but localhost the browser
 * then fetches the UI's scripts over HTTPS and the page stays blank. Swagger UI (React) also
 * sets `style` attributes, hence `style-src-attr 'unsafe-inline'` (attributes only), and its
 * top bar draws Swagger's logo, an SVG with one <style> (allowed by its hash, below) before
 * ours replaces it. No other inline style or script is allowed.
 */
/**
 * sha256 of `.logo_small_svg__cls-2{fill:#fff}.logo_small_svg__cls-3{fill:#85ea2d}`, the <style>
 * in swagger-ui-standalone-preset.js's logo. test/browser/docs.test.ts fails on any CSP
 * error, so a Swagger UI upgrade that changes it is caught.
 */
const SWAGGER_LOGO_STYLE_HASH = 'sha256-RL3ie0nH+Lzz2YNqQN83mnU0J1ot4QL7b99vMdIX99w=';

export const DOCS_CSP = [
  "default-src 'self'",
  "base-uri 'self'",
  "connect-src 'self'",
  "font-src 'self' data:",
  "frame-ancestors 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  `style-src 'self' '${SWAGGER_LOGO_STYLE_HASH}'`,
  "style-src-attr 'unsafe-inline'",
  "form-action 'self'",
].join('; ');

/** Swagger UI at /docs: our CSP, title, logo and favicon instead of the package's. */
export function docsUiOptions(): FastifySwaggerUiOptions {
  const logo = Buffer.from(LOGO_SVG);
  return {
    routePrefix: '/docs',
    staticCSP: DOCS_CSP,
    logo: { type: 'image/svg+xml', content: logo, href: '/docs', target: '_self' },
    theme: {
      title: 'game-orchestrator API',
      favicon: [{ filename: 'favicon.svg', rel: 'icon', sizes: 'any', type: 'image/svg+xml', content: logo }],
    },
  };
}
