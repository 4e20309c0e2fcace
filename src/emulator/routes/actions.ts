import type { FastifyInstance } from 'fastify';
import type { EmulatorCore } from '../core.js';
import { readActionType, startActions } from '../droplet-ops.js';
import { MSG, notFound, unprocessable } from '../errors.js';
import { numericId, pageRequest, queryOf } from '../http-util.js';
import { paginate } from '../pagination.js';
import type { ActionRecord } from '../state/records.js';
import { actionJson } from '../views.js';
import { visibleDroplet } from './droplets.js';

type DropletParams = { droplet_id: string };
type ActionParams = { droplet_id: string; action_id: string };

/** Droplet actions (power_off, shutdown, power_on, reboot, power_cycle) and action polling (§6). */
export function actionRoutes(app: FastifyInstance, core: EmulatorCore): void {
  app.post<{ Params: DropletParams }>('/v2/droplets/:droplet_id/actions', async (req, reply) => {
    const d = visibleDroplet(core, req.params.droplet_id);
    const type = readActionType(req.body, false);
    // A droplet inside its delete lag is gone for actions, whatever GET still shows.
    if (d.deletedAtMs !== null) throw notFound();
    const [action] = startActions(core, [d], type);
    return reply.code(201).send({ action: actionJson(action as ActionRecord) });
  });

  app.post('/v2/droplets/actions', async (req, reply) => {
    const tag = queryOf(req).get('tag_name');
    if (!tag) throw unprocessable(MSG.payloadInvalid);
    const type = readActionType(req.body, true);
    const targets = core.world.visibleWithTag(tag, core.nowMs()).filter((d) => d.deletedAtMs === null);
    const actions = startActions(core, targets, type);
    return reply.code(201).send({ actions: actions.map(actionJson) });
  });

  app.get<{ Params: DropletParams }>('/v2/droplets/:droplet_id/actions', async (req) => {
    const d = visibleDroplet(core, req.params.droplet_id);
    const all = newestFirst([...core.world.actions.values()].filter((a) => a.resourceId === d.id));
    const page = paginate(all, pageRequest(req, `/v2/droplets/${d.id}/actions`));
    return { actions: page.items.map(actionJson), links: page.links, meta: page.meta };
  });

  app.get<{ Params: ActionParams }>('/v2/droplets/:droplet_id/actions/:action_id', async (req) => {
    const action = findAction(core, req.params.action_id);
    if (String(action.resourceId) !== req.params.droplet_id) throw notFound();
    return { action: actionJson(action) };
  });

  app.get('/v2/actions', async (req) => {
    const page = paginate(newestFirst([...core.world.actions.values()]), pageRequest(req, '/v2/actions'));
    return { actions: page.items.map(actionJson), links: page.links, meta: page.meta };
  });

  app.get<{ Params: { action_id: string } }>('/v2/actions/:action_id', async (req) => {
    return { action: actionJson(findAction(core, req.params.action_id)) };
  });
}

/** Actions stay queryable after they finish, even when their droplet is gone. */
function findAction(core: EmulatorCore, rawId: string): ActionRecord {
  const id = numericId(rawId);
  const action = id === null ? undefined : core.world.actions.get(id);
  if (!action) throw notFound();
  return action;
}

function newestFirst(actions: ActionRecord[]): ActionRecord[] {
  return actions.sort((a, b) => b.id - a.id);
}
