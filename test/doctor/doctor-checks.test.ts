import { describe, expect, it } from 'vitest';
import { checkAccountStatus, checkDiskFits, checkDropletLimit } from '../../src/doctor/doctor-checks.js';
import { formatReport } from '../../src/doctor/cli.js';

describe('doctor checks', () => {
  it.each(['warning', 'locked'])('fails an account in status %s, with its message and a fix', (status) => {
    const c = checkAccountStatus({ droplet_limit: 10, status, status_message: 'billing overdue' });
    expect(c).toMatchObject({ ok: false, detail: `account is "${status}": billing overdue` });
    expect(c.fix).toMatch(/control panel/);
    expect(checkAccountStatus({ droplet_limit: 10, status: 'active' }).ok).toBe(true);
  });

  it('passes a droplet limit equal to MAX_SERVERS and fails one below', () => {
    expect(checkDropletLimit({ droplet_limit: 10, status: 'active' }, 10).ok).toBe(true);
    expect(checkDropletLimit({ droplet_limit: 9, status: 'active' }, 10).ok).toBe(false);
  });

  it('treats a missing min_disk_size as no requirement', () => {
    const size = { slug: 's', disk: 10, available: true, regions: [] };
    expect(checkDiskFits({ id: 1, name: 'i', regions: [], min_disk_size: null }, size).ok).toBe(true);
    expect(checkDiskFits({ id: 1, name: 'i', regions: [], min_disk_size: 11 }, size).ok).toBe(false);
  });

  it('prints the fix under each failure only', () => {
    const lines = formatReport({
      ok: false,
      checks: [
        { name: 'token', ok: true, detail: 'authenticated' },
        { name: 'size', ok: false, detail: 'unknown size "x"', fix: 'set DROPLET_SIZE' },
      ],
    });
    expect(lines).toEqual([
      '  PASS  token  authenticated',
      '  FAIL  size   unknown size "x"',
      '               fix: set DROPLET_SIZE',
      '1 of 2 checks failed.',
    ]);
  });
});
