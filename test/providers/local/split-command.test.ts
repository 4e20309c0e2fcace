import { describe, expect, it } from 'vitest';
import { splitCommand } from '../../../src/providers/local/split-command.js';

describe('splitCommand()', () => {
  it.each([
    ['node server.mjs', ['node', 'server.mjs']],
    ['  node   a\tb  ', ['node', 'a', 'b']],
    [`"/opt/my node/bin/node" '/srv/game server.mjs'`, ['/opt/my node/bin/node', '/srv/game server.mjs']],
    [String.raw`"C:\\games\\node.exe" "say \"hi\""`, [String.raw`C:\games\node.exe`, 'say "hi"']],
    [String.raw`a\ b c`, ['a b', 'c']],
    [`x '' y`, ['x', '', 'y']],
    [`--opt="a b"`, ['--opt=a b']],
    [`it's'`, ['its']],
    ['$HOME *.mjs | cat', ['$HOME', '*.mjs', '|', 'cat']],
  ])('splits %j', (line, argv) => {
    expect(splitCommand(line)).toEqual(argv);
  });

  it.each(['', '   ', `node 'oops`, 'node "oops'])('refuses %j', (line) => {
    expect(() => splitCommand(line)).toThrow();
  });
});
