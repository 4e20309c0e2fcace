import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';

const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The official DO schema subset, vendored beside the tests with its licence (do-openapi/README.md). */
export const SPEC_FILE = path.resolve(REPO_ROOT, 'test/emulator/do-openapi/digitalocean-orchestrator-subset.json');

type Operation = { responses: Record<string, { $ref?: string; content?: Record<string, unknown> }> };
type Spec = { paths: Record<string, Record<string, Operation>> };

/** One response the emulator sent, as the schema test records it. */
export interface Recorded {
  method: string;
  url: string;
  status: number;
  contentType: string;
  body: string;
}

/**
 * Validates response bodies against the response schemas the spec declares for the
 * operation and status (or `default`). OpenAPI 3.0 specifics: `nullable` is Ajv's own
 * keyword; unknown keywords (`example`, `readOnly`...) are ignored with strict:false; refs
 * resolve because the whole document is added as one schema with the id "do". Patterns run
 * without the u flag: the spec escapes `\:`, which unicode regexps reject.
 */
export class SpecValidator {
  private readonly ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false, unicodeRegExp: false });
  private readonly routes: { regex: RegExp; template: string }[];

  /** `basePath`: what request URLs carry before the spec's paths (Hetzner's spec paths leave out `/v1`). */
  constructor(
    private readonly spec: Spec,
    private readonly basePath = '',
  ) {
    const formats: Record<string, (s: string) => boolean> = {
      'date-time': (s) =>
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(s) && !Number.isNaN(Date.parse(s)),
      ipv4: (s) => isIPv4(s),
      ipv6: (s) => isIPv6(s),
      uri: (s) => URL.canParse(s),
      uuid: (s) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s),
      email: (s) => /^[^@\s]+@[^@\s]+$/.test(s),
      decimal: (s) => /^-?\d+(\.\d+)?$/.test(s),
    };
    for (const [name, check] of Object.entries(formats)) this.ajv.addFormat(name, check);
    for (const name of ['float', 'double', 'int32', 'int64']) this.ajv.addFormat(name, true);
    this.ajv.addSchema(typelessNullables(spec) as object, 'do');
    this.routes = Object.keys(spec.paths).map((template) => ({
      template,
      regex: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
    }));
  }

  static load(file = SPEC_FILE, basePath = ''): SpecValidator {
    return new SpecValidator(JSON.parse(readFileSync(file, 'utf8')) as Spec, basePath);
  }

  /** "GET /v2/droplets/{droplet_id}" for a concrete URL, or null when the spec lacks it. */
  operationKey(method: string, url: string): string | null {
    const full = url.split('?')[0] ?? '';
    const pathname = this.basePath && full.startsWith(this.basePath) ? full.slice(this.basePath.length) : full;
    const template = this.routes.find(
      (r) => r.regex.test(pathname) && this.spec.paths[r.template]?.[method.toLowerCase()],
    );
    return template ? `${method} ${template.template}` : null;
  }

  /** Ajv's errors as text, or null when the body matches the declared schema. */
  check(r: Recorded): string | null {
    const key = this.operationKey(r.method, r.url);
    if (!key) return `no operation in the spec for ${r.method} ${r.url}`;
    const template = key.slice(r.method.length + 1);
    const op = this.spec.paths[template]?.[r.method.toLowerCase()] as Operation;
    const range = `${Math.floor(r.status / 100)}xx`;
    const status = op.responses[String(r.status)] ? String(r.status) : op.responses[range] ? range : 'default';
    const declared = op.responses[status];
    if (!declared) return `no ${r.status} or default response declared for ${key}`;
    const base = declared.$ref
      ? declared.$ref.slice(1)
      : `/paths/${escapePointer(template)}/${r.method.toLowerCase()}/responses/${status}`;
    const validate = this.validator(`${base}/content/application~1json/schema`);
    if (!validate) return `no JSON schema declared for ${key} ${status}`;
    return validate(JSON.parse(r.body)) ? null : this.ajv.errorsText(validate.errors, { separator: '\n' });
  }

  private validator(pointer: string): ValidateFunction | undefined {
    return this.ajv.getSchema(`do#${pointer}`);
  }
}

/**
 * OpenAPI 3.0 allows `nullable` beside `allOf` without a `type` (Hetzner's spec does); Ajv
 * refuses that, so such a schema becomes `anyOf: [itself, null]`. A copy; the spec is unchanged.
 */
function typelessNullables(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(typelessNullables);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = typelessNullables(v);
  if (out.nullable === true && out.type === undefined) {
    const { nullable: _n, description, ...rest } = out;
    return { description, anyOf: [rest, { type: 'null' }] };
  }
  return out;
}

function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
