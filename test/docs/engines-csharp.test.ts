import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { signSeatToken } from '../../src/domain/seat-token.js';

/**
 * docs/engines.md promises C# that compiles in a Unity build (.NET Standard 2.1, C# 9 at most).
 * Debian's Mono compiler (`mcs`, installed by .ci/run) has no .NET 5+ APIs and stops at C# 7,
 * so a snippet that compiles with it compiles there too. The Unity client compiles against
 * stubs of the UnityEngine types it uses (unity-stubs.cs).
 */
const run = promisify(execFile);
const DOC = path.join(import.meta.dirname, '../../docs/engines.md');
const STUBS = path.join(import.meta.dirname, 'unity-stubs.cs');
const dir = mkdtempSync(path.join(tmpdir(), 'engines-csharp-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function csharpBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^```csharp\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
}

async function compile(name: string, source: string, extra: string[]): Promise<void> {
  const file = path.join(dir, `${name}.cs`);
  writeFileSync(file, source);
  try {
    await run('mcs', ['-target:library', `-out:${path.join(dir, name)}.dll`, ...extra, file], { timeout: 120_000 });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`mcs refused the ${name} snippet of docs/engines.md:\n${e.stdout ?? ''}${e.stderr ?? e.message}`);
  }
}

describe('docs/engines.md C#', () => {
  const [client, server, ...rest] = csharpBlocks(readFileSync(DOC, 'utf8'));

  it('has the Unity client and the game server snippets', () => {
    expect([client, server, rest.length]).toEqual([
      expect.stringContaining('UnityWebRequest'),
      expect.stringContaining('HMACSHA256'),
      0,
    ]);
  });

  it('the game server signing compiles with Mono (no .NET 5+ APIs: Convert.ToHexString, SHA256.HashData)', async () => {
    await compile('server', server!, ['-r:System.Net.Http.dll']);
  }, 180_000);

  it('the game server’s VerifySeat accepts the orchestrator’s token and refuses forged, expired, other-session and malformed ones (run with Mono)', async () => {
    const driver = path.join(dir, 'driver.cs');
    writeFileSync(
      driver,
      `using System;
public static class Driver {
  public static int Main(string[] args) {
    Environment.SetEnvironmentVariable("ORCHESTRATOR_URL", "http://127.0.0.1:9/");
    Environment.SetEnvironmentVariable("SERVER_ID", "s1");
    Environment.SetEnvironmentVariable("SERVER_CREDENTIAL", args[0]);
    var s = new OrchestratorServer();
    typeof(OrchestratorServer).GetProperty("Session").SetValue(s, args[1]);
    for (int i = 2; i < args.Length; i++) {
      string why; string player = s.VerifySeat(args[i], out why);
      Console.WriteLine(player ?? ("refused " + why));
    }
    return 0;
  }
}`,
    );
    const file = path.join(dir, 'seat-server.cs');
    writeFileSync(file, server!);
    const exe = path.join(dir, 'seat.exe');
    await run('mcs', [`-out:${exe}`, '-r:System.Net.Http.dll', file, driver], { timeout: 120_000 });
    const credential = 'cred-0123456789';
    const nowS = Math.floor(Date.now() / 1000);
    const good = signSeatToken(credential, { session: 'K7XQ3M', player: 'player-7', expiresAtS: nowS + 600 });
    const forged = signSeatToken('another-credential', {
      session: 'K7XQ3M',
      player: 'player-7',
      expiresAtS: nowS + 600,
    });
    const expired = signSeatToken(credential, { session: 'K7XQ3M', player: 'player-7', expiresAtS: nowS - 1 });
    const other = signSeatToken(credential, { session: 'ZZZZZZ', player: 'player-7', expiresAtS: nowS + 600 });
    const { stdout } = await run('mono', [exe, credential, 'k7xq3m', good, forged, expired, other, 'garbage'], {
      timeout: 60_000,
    });
    expect(stdout.trim().split('\n')).toEqual([
      'player-7',
      'refused forged',
      'refused expired',
      'refused wrong_session',
      'refused malformed',
    ]);
  }, 180_000);

  it('the Unity client compiles with Mono against the UnityEngine types it uses', async () => {
    await compile('client', client!, [STUBS]);
  }, 180_000);
});
