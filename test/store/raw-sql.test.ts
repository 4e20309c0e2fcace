import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/processes.js';

/*
 * Statements are built with Kysely's typed query builder; the few with no typed form are named,
 * each with its reason, in src/store/raw-sql.ts. This scan fails on raw SQL anywhere else under
 * src/: a `sql` template (`sql\`…\``, `sql<T>\`…\``), any `sql.` helper but `sql.lit` (a literal
 * value in a typed build), `CompiledQuery.raw(…)`, or a string that starts like a statement.
 */
const SRC = path.join(REPO_ROOT, 'src');
/** Text that starts like a statement (an HTTP method's name alone, `'DELETE'`, does not). */
const STATEMENT_TEXT =
  /^\s*(SELECT\s|INSERT\s+INTO\s|UPDATE\s+\S+\s+SET\s|DELETE\s+FROM\s|WITH\s+\S+\s+AS\b|BEGIN\b|COMMIT\b|ROLLBACK\b|SAVEPOINT\s|RELEASE\s)/;

/** Where raw SQL may be, each with why (see src/store/raw-sql.ts for the named statements). */
const ALLOWED: { file: RegExp; what?: RegExp; why: string }[] = [
  { file: /^src\/store\/raw-sql\.ts$/, why: 'the named exceptions, each with its reason' },
  { file: /^src\/store\/migrations\//, why: 'DDL history, frozen as applied (see raw-sql.ts)' },
  {
    file: /^src\/store\/event-queries\.ts$/,
    why: 'event ids by transaction (issue 22 item 6), still being reworked on branch i22-outbox: to be built like the rest once it settles',
  },
  {
    file: /^src\/store\/pg-leadership\.ts$/,
    why: 'the leader’s session-level advisory lock on its own pg client, outside the pool Kysely drives (issue 22 item 0 reworks it)',
  },
];

function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* sources(p);
    else if (/\.(ts|mts)$/.test(e.name) && !e.name.endsWith('.d.ts')) yield p;
  }
}

/** Each raw SQL form in a source text, as `line: text`. */
export function rawSql(fileName: string, text: string): string[] {
  const sf = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const at = (node: ts.Node) => {
    const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
    found.push(`${line}: ${node.getText(sf).replace(/\s+/g, ' ').slice(0, 100)}`);
  };
  const isSql = (e: ts.Node) => ts.isIdentifier(e) && e.text === 'sql';
  const visit = (node: ts.Node): void => {
    if (ts.isTaggedTemplateExpression(node) && isSql(node.tag)) return at(node);
    if (ts.isPropertyAccessExpression(node) && isSql(node.expression) && node.name.text !== 'lit') return at(node);
    // CompiledQuery.raw of hand-written text (of a variable: text a builder compiled, hot-statement.ts).
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      ts.isIdentifier(node.expression.expression) &&
      node.expression.expression.text === 'CompiledQuery' &&
      node.expression.name.text === 'raw' &&
      node.arguments[0] &&
      ts.isStringLiteralLike(node.arguments[0])
    )
      return at(node);
    if ((ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) && STATEMENT_TEXT.test(node.text))
      return at(node);
    if (ts.isTemplateExpression(node) && STATEMENT_TEXT.test(node.head.text)) return at(node);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

describe('raw SQL lives only in src/store/raw-sql.ts', () => {
  it('the scan finds each raw form', () => {
    const sample = [
      "import { CompiledQuery, sql } from 'kysely';",
      'const a = sql`SELECT 1`;',
      'const b = sql<{ n: number }>`SELECT 1 AS n`;',
      "const c = sql.raw('state <> 1');",
      "const d = CompiledQuery.raw('COMMIT');",
      "const e = db.prepare('SELECT * FROM t');",
      'const f = `UPDATE t SET x = ${x}`;',
      "const ok = sql.lit('ended'); // a literal value in a typed build",
      "const msg = 'selection updated';",
      "const method = 'DELETE';",
    ].join('\n');
    expect(rawSql('sample.ts', sample).map((f) => f.split(':')[0])).toEqual(['2', '3', '4', '5', '6', '7']);
  });

  it('no raw SQL under src/ outside the named exceptions', () => {
    const outside: string[] = [];
    for (const file of sources(SRC)) {
      const rel = path.relative(REPO_ROOT, file).split(path.sep).join('/');
      for (const f of rawSql(file, readFileSync(file, 'utf8'))) {
        const allowed = ALLOWED.some((a) => a.file.test(rel) && (!a.what || a.what.test(f)));
        if (!allowed) outside.push(`${rel}:${f}`);
      }
    }
    expect(outside).toEqual([]);
  });
});
