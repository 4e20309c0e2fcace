import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../src/package-root.js';
import { projectProgram } from '../helpers/ts-program.js';

/**
 * Routes are typed by their schemas (the TypeBox type provider): a request's params, query,
 * body and headers are never cast. A cast says "trust me" where the schema already knows, and
 * drifts from it silently when either changes.
 */
const PARTS = new Set(['params', 'query', 'body', 'headers']);
const HTTP_DIR = path.join(PACKAGE_ROOT, 'src/http') + path.sep;
const FIXTURE = path.join(import.meta.dirname, 'fixtures/request-cast-violations.ts');

/** Whether a type is Fastify's request (under any generics), or a union holding one. */
function isRequest(type: ts.Type): boolean {
  if (type.isUnion()) return type.types.some(isRequest);
  const symbol = type.getSymbol() ?? type.aliasSymbol;
  return (
    symbol?.getName() === 'FastifyRequest' &&
    (symbol.declarations ?? []).some((d) => d.getSourceFile().fileName.includes('/node_modules/fastify/'))
  );
}

/** Whether an expression is a request part: read from a request, destructured from one, or kept in a variable first. */
function isRequestPart(checker: ts.TypeChecker, node: ts.Expression, depth = 0): boolean {
  const e = skipWrappers(node);
  if (ts.isPropertyAccessExpression(e) && PARTS.has(e.name.text))
    return isRequest(checker.getTypeAtLocation(e.expression));
  if (ts.isElementAccessExpression(e) && ts.isStringLiteralLike(e.argumentExpression)) {
    return PARTS.has(e.argumentExpression.text) && isRequest(checker.getTypeAtLocation(e.expression));
  }
  // `(part ?? {}) as T`, `(part || {}) as T`: the cast still covers the part.
  if (
    ts.isBinaryExpression(e) &&
    (e.operatorToken.kind === ts.SyntaxKind.QuestionQuestionToken || e.operatorToken.kind === ts.SyntaxKind.BarBarToken)
  ) {
    return isRequestPart(checker, e.left, depth) || isRequestPart(checker, e.right, depth);
  }
  if (!ts.isIdentifier(e) || depth > 3) return false;
  for (const d of checker.getSymbolAtLocation(e)?.declarations ?? []) {
    // `const { body } = req` or `({ query }: FastifyRequest) =>`.
    if (ts.isBindingElement(d) && ts.isObjectBindingPattern(d.parent)) {
      const key = d.propertyName ?? d.name;
      const name = ts.isIdentifier(key) || ts.isStringLiteralLike(key) ? key.text : '';
      if (PARTS.has(name) && isRequest(checker.getTypeAtLocation(d.parent))) return true;
    }
    // `const raw = req.body; … raw as T`.
    if (ts.isVariableDeclaration(d) && d.initializer && isRequestPart(checker, d.initializer, depth + 1)) return true;
  }
  return false;
}

function skipWrappers(node: ts.Expression): ts.Expression {
  let e = node;
  while (ts.isParenthesizedExpression(e) || ts.isNonNullExpression(e)) e = e.expression;
  return e;
}

/** Every cast (`x as T`, `<T>x`) of a request part in these files, as `file:line`. */
function requestCasts(p: ts.Program, inFile: (file: string) => boolean): string[] {
  const checker = p.getTypeChecker();
  const found: string[] = [];
  for (const sf of p.getSourceFiles()) {
    const file = path.resolve(sf.fileName);
    if (!inFile(file)) continue;
    const visit = (node: ts.Node): void => {
      if ((ts.isAsExpression(node) || ts.isTypeAssertionExpression(node)) && isRequestPart(checker, node.expression)) {
        const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
        found.push(`${path.relative(PACKAGE_ROOT, file)}:${line + 1}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return found;
}

describe('routes are typed by their schemas: no casts of request parts', () => {
  const p = projectProgram(HTTP_DIR, [FIXTURE]);

  it('flags each of the nine ways of casting a request part in the fixture, and nothing else there', () => {
    const marked = readFileSync(FIXTURE, 'utf8')
      .split('\n')
      .flatMap((line, i) =>
        line.trimEnd().endsWith('// VIOLATION') ? [`${path.relative(PACKAGE_ROOT, FIXTURE)}:${i + 1}`] : [],
      );
    expect(marked).toHaveLength(9);
    expect(requestCasts(p, (f) => f === FIXTURE)).toEqual(marked);
  }, 60_000);

  it('no route under src/http casts a request part', () => {
    expect(requestCasts(p, (f) => f.startsWith(HTTP_DIR))).toEqual([]);
  }, 60_000);
});
