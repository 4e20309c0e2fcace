import path from 'node:path';
import ts from 'typescript';
import { PACKAGE_ROOT } from '../../src/package-root.js';

/**
 * A type-checked program over the project's own tsconfig.json: the files it names under `dir`
 * (absolute), plus `extra` (a test's fixtures), with the project's compiler options. For tests
 * that read the code through the type checker (which declaration a call resolves to, what type
 * a cast covers).
 */
export function projectProgram(dir: string, extra: readonly string[] = []): ts.Program {
  const config = ts.getParsedCommandLineOfConfigFile(
    path.join(PACKAGE_ROOT, 'tsconfig.json'),
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} },
  );
  if (!config) throw new Error('could not read tsconfig.json');
  const under = path.resolve(dir) + path.sep;
  const rootNames = config.fileNames.filter((f) => path.resolve(f).startsWith(under));
  return ts.createProgram({ rootNames: [...rootNames, ...extra], options: config.options });
}
