import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../../../src/config.js';

/**
 * The Store's raw state-changing methods. Outside the store itself, only the fleet's verbs
 * (src/fleet/) may call them: that is where each change is checked and writes its event.
 */
const RAW = new Set([
  'transitionServer',
  'endSession',
  'claimReadyServer',
  'assignOldestPending',
  'insertSession',
  'insertServer',
]);
const ALLOWED_DIRS = [path.join(PACKAGE_ROOT, 'src/fleet') + path.sep, path.join(PACKAGE_ROOT, 'src/store') + path.sep];

/** Calls of a RAW method on something whose type is the Store port (or its implementation). */
function rawStoreCalls(): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(PACKAGE_ROOT, 'tsconfig.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
  )!;
  const program = ts.createProgram({
    rootNames: config.fileNames.filter((f) => f.includes(`${path.sep}src${path.sep}`)),
    options: config.options,
  });
  const checker = program.getTypeChecker();
  const found: string[] = [];
  for (const sf of program.getSourceFiles()) {
    const file = path.resolve(sf.fileName);
    if (!file.startsWith(path.join(PACKAGE_ROOT, 'src') + path.sep)) continue;
    if (ALLOWED_DIRS.some((d) => file.startsWith(d))) continue;
    const visit = (node: ts.Node): void => {
      if (
        ts.isCallExpression(node) &&
        ts.isPropertyAccessExpression(node.expression) &&
        RAW.has(node.expression.name.text)
      ) {
        const receiver = checker.getTypeAtLocation(node.expression.expression);
        const name = receiver.getSymbol()?.getName() ?? checker.typeToString(receiver);
        if (name === 'Store' || name === 'KyselyStore') {
          const { line } = sf.getLineAndCharacterOfPosition(node.getStart());
          found.push(`${path.relative(PACKAGE_ROOT, file)}:${line + 1} ${node.expression.getText(sf)}`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return found;
}

describe('one seam for every state change', () => {
  it('no code outside src/fleet and src/store calls the store’s raw state changes', () => {
    expect(rawStoreCalls()).toEqual([]);
  }, 60_000);
});
