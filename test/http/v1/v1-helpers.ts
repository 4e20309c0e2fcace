import type { Orchestrator } from '../../../src/orchestrator.js';
import { heartbeat } from '../../helpers/orchestrator.js';
import { signedHeaders } from '../../helpers/sign.js';

export const ADMIN = 'op-token-123';
export const admin = { authorization: `Bearer ${ADMIN}` };

/** Registers an external server by a shared-key heartbeat; returns its id and own credential. */
export async function readyServer(
  orch: Orchestrator,
  ip: string,
  players = 0,
): Promise<{ id: string; credential: string }> {
  const r = await heartbeat(orch.app, ip, players);
  if (r.statusCode !== 200) throw new Error(`heartbeat failed: ${r.body}`);
  const s = (await orch.store.listServers()).find((x) => x.ip === ip && x.state !== 'deleted');
  if (!s) throw new Error('no server row');
  return { id: s.id, credential: orch.ops.credentialFor(s.id) };
}

/** A /v1 game-server call signed with a credential (the server's own, or another's). */
export function serverCall(
  orch: Orchestrator,
  id: string,
  action: string,
  credential: string,
  payload?: unknown,
  extra: Record<string, string> = {},
) {
  const url = `/v1/servers/${id}/${action}`;
  const body = payload === undefined ? '' : JSON.stringify(payload);
  return orch.app.inject({
    method: 'POST',
    url,
    headers: {
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...signedHeaders(credential, 'POST', url, body),
      ...extra,
    },
    ...(body ? { payload: body } : {}),
  });
}

export function startV1(orch: Orchestrator, body?: unknown, headers: Record<string, string> = {}) {
  return orch.app.inject({
    method: 'POST',
    url: '/v1/sessions',
    headers,
    ...(body === undefined ? {} : { payload: body as object }),
  });
}
