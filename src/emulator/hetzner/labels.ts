/**
 * Hetzner labels and label selectors (docs.hetzner.cloud, "Labels" and "Label Selector").
 * Keys are `[prefix/]name`: name 1-63 characters of letters, digits, `-`, `_` and `.`, starting
 * and ending alphanumeric; an optional DNS-subdomain prefix up to 253 characters. Values are up
 * to 63 such characters, or empty.
 */
const NAME = /^[a-zA-Z0-9]([a-zA-Z0-9_.-]{0,61}[a-zA-Z0-9])?$/;
const PREFIX = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;

export function validLabelKey(key: string): boolean {
  const slash = key.lastIndexOf('/');
  if (slash < 0) return NAME.test(key);
  return PREFIX.test(key.slice(0, slash)) && NAME.test(key.slice(slash + 1));
}

export function validLabelValue(value: string): boolean {
  return value === '' || NAME.test(value);
}

type Term = (labels: Readonly<Record<string, string>>) => boolean;

/**
 * Parses a selector: comma-separated terms `k`, `!k`, `k=v`, `k==v`, `k!=v`, `k in (a,b)` and
 * `k notin (a,b)`, all of which must hold. Null when it cannot be read (the API's invalid_input).
 */
export function parseLabelSelector(selector: string): Term | null {
  const terms: Term[] = [];
  for (const raw of splitTerms(selector)) {
    const t = raw.trim();
    const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(t);
    if (set) {
      const [, key = '', op, list = ''] = set;
      const values = list.split(',').map((v) => v.trim());
      if (!validLabelKey(key) || !values.every(validLabelValue)) return null;
      terms.push(op === 'in' ? (l) => values.includes(l[key] ?? '\0') : (l) => !values.includes(l[key] ?? '\0'));
      continue;
    }
    const cmp = /^([^=!\s]+)\s*(==|=|!=)\s*(\S*)$/.exec(t);
    if (cmp) {
      const [, key = '', op, value = ''] = cmp;
      if (!validLabelKey(key) || !validLabelValue(value)) return null;
      terms.push(op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value);
      continue;
    }
    const has = /^(!?)(\S+)$/.exec(t);
    if (!has || !validLabelKey(has[2] ?? '')) return null;
    const key = has[2] ?? '';
    terms.push(has[1] ? (l) => !(key in l) : (l) => key in l);
  }
  if (terms.length === 0) return null;
  return (labels) => terms.every((term) => term(labels));
}

/** Commas inside `( … )` belong to a set, not between terms. */
function splitTerms(selector: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}
