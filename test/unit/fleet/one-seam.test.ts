import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/config.js';
import { projectProgram } from '../../helpers/ts-program.js';

/**
 * The Store's raw state-changing methods. Outside the store itself, only the fleet's verbs
 * (src/fleet/) may use them: that is where each change is checked and writes its event.
 */
const RAW = new Set([
  'transitionServer',
  'patchServer',
  'endSession',
  'claimReadyServer',
  'assignOldestPending',
  'insertSession',
  'insertServer',
  'touchSessionPlayed',
]);
const SRC = path.join(PACKAGE_ROOT, 'src') + path.sep;
const STORE_DIR = path.join(PACKAGE_ROOT, 'src/store') + path.sep;
const ALLOWED_DIRS = [path.join(PACKAGE_ROOT, 'src/fleet') + path.sep, STORE_DIR];
const FIXTURE = path.join(import.meta.dirname, 'fixtures/one-seam-violations.ts');

/**
 * Whether a property symbol is (or is derived from: Pick<>, a union, an inherited member) a RAW
 * method declared under src/store. The declaration decides, not the receiver's type name.
 */
function isRawStoreMember(checker: ts.TypeChecker, symbol: ts.Symbol | undefined): boolean {
  if (!symbol) return false;
  const roots = [symbol, ...checker.getRootSymbols(symbol)];
  return roots.some(
    (s) =>
      RAW.has(s.getName()) &&
      (s.declarations ?? []).some((d) => path.resolve(d.getSourceFile().fileName).startsWith(STORE_DIR)),
  );
}

/** The property symbol a node names, for each way of reaching a member. */
function memberSymbol(checker: ts.TypeChecker, node: ts.Node): ts.Symbol | undefined {
  if (ts.isPropertyAccessExpression(node)) return checker.getSymbolAtLocation(node.name);
  if (ts.isElementAccessExpression(node) && ts.isStringLiteralLike(node.argumentExpression)) {
    return (
      checker.getSymbolAtLocation(node.argumentExpression) ??
      checker.getTypeAtLocation(node.expression).getProperty(node.argumentExpression.text)
    );
  }
  if (ts.isBindingElement(node) && ts.isObjectBindingPattern(node.parent)) {
    const key = node.propertyName ?? node.name;
    if (!ts.isIdentifier(key) && !ts.isStringLiteralLike(key)) return undefined;
    return checker.getTypeAtLocation(node.parent).getProperty(key.text);
  }
  return undefined;
}

/** Every use (call, reference, destructuring) of a RAW store method in these files, as `file:line text`. */
function rawStoreUses(p: ts.Program, inFile: (file: string) => boolean): string[] {
  const checker = p.getTypeChecker();
  const found: string[] = [];
  for (const sf of p.getSourceFiles()) {
    const file = path.resolve(sf.fileName);
    if (!inFile(file)) continue;
    const visit = (node: ts.Node): void => {
      if (isRawStoreMember(checker, memberSymbol(checker, node))) {
        const { line } = sf.getLineAndCharacterOfPosition(node.getStart());
        found.push(`${path.relative(PACKAGE_ROOT, file)}:${line + 1}`);
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return found;
}

describe('one seam for every state change', () => {
  const p = projectProgram(SRC, [FIXTURE]);

  it('flags each of the seven ways of reaching a raw store method in the fixture, and nothing else there', () => {
    const marked = readFileSync(FIXTURE, 'utf8')
      .split('\n')
      .flatMap((line, i) =>
        line.trimEnd().endsWith('// VIOLATION') ? [`${path.relative(PACKAGE_ROOT, FIXTURE)}:${i + 1}`] : [],
      );
    expect(marked).toHaveLength(7);
    expect(rawStoreUses(p, (f) => f === FIXTURE)).toEqual(marked);
  }, 60_000);

  it('no code outside src/fleet and src/store uses the store’s raw state changes', () => {
    const outside = (f: string) => f.startsWith(SRC) && !ALLOWED_DIRS.some((d) => f.startsWith(d));
    expect(rawStoreUses(p, outside)).toEqual([]);
  }, 60_000);
});
