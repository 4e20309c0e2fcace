import type { EmulatorCore } from './core.js';
import { MSG, notFound, unprocessable } from './errors.js';
import { ACTION_RESULT } from './lifecycle.js';
import type { ActionRecord, DropletRecord } from './state/records.js';
import { validateCreate, type CreatePlan } from './validate-create.js';

/** The droplets and create actions a valid `POST /v2/droplets` made. */
export interface CreateResult {
  plan: CreatePlan;
  droplets: DropletRecord[];
  actions: ActionRecord[];
}

/** Action types the API knows (the spec's droplet_action enum). */
const KNOWN_ACTIONS = new Set([
  'enable_backups',
  'disable_backups',
  'reboot',
  'power_cycle',
  'shutdown',
  'power_off',
  'power_on',
  'restore',
  'password_reset',
  'resize',
  'rebuild',
  'rename',
  'change_kernel',
  'enable_ipv6',
  'snapshot',
]);
/** Types `POST /v2/droplets/actions?tag_name=` accepts (spec). */
const TAG_ACTIONS = new Set([
  'power_cycle',
  'power_on',
  'power_off',
  'shutdown',
  'enable_ipv6',
  'enable_backups',
  'disable_backups',
  'snapshot',
]);

/** Validates and makes the droplets (all of the batch or none), each with an in-progress create action. */
export function createDroplets(core: EmulatorCore, body: unknown): CreateResult {
  const { world } = core;
  const plan = validateCreate(body, world.liveCount(), core.opts.dropletLimit, core.regions);
  const now = core.nowMs();
  const faults = core.faultsFor(plan.region.slug);
  const tags = plan.tags.map((t) => world.tags.ensure(t));
  const droplets: DropletRecord[] = [];
  const actions: ActionRecord[] = [];
  for (const name of plan.names) {
    const d = newDroplet(plan, world.nextDropletId(), name, tags, now);
    d.listedFromMs = now + faults.listLagMs;
    world.droplets.set(d.id, d);
    const action = world.addAction('create', d, now);
    core.lifecycle.boot(d, action, core.rng.chance(faults.createErrorRate));
    droplets.push(d);
    actions.push(action);
  }
  return { plan, droplets, actions };
}

/** A droplet as it is right after the 202: new, locked, no addresses yet. */
function newDroplet(plan: CreatePlan, id: number, name: string, tags: readonly string[], nowMs: number): DropletRecord {
  return {
    id,
    name,
    status: 'new',
    locked: true,
    sizeSlug: plan.size.slug,
    regionSlug: plan.region.slug,
    imageId: plan.image.id,
    tags: [...tags],
    features: [...plan.features],
    vpcUuid: plan.vpcUuid,
    userData: plan.userData,
    ipv6: plan.ipv6,
    v4: [],
    v6: [],
    createdAtMs: nowMs,
    activeAtMs: null,
    listedFromMs: nowMs,
    deletedAtMs: null,
    goneAtMs: null,
    createErrored: false,
  };
}

/** `DELETE /v2/droplets/{id}`: 404 when GET would 404; a second delete inside the lag is a no-op. */
export function deleteDroplet(core: EmulatorCore, id: number): void {
  const now = core.nowMs();
  const d = core.world.visible(id, now);
  if (!d) throw notFound();
  core.world.markDeleted(d, now, core.faultsFor(d.regionSlug).deleteLagMs);
}

/** `DELETE /v2/droplets?tag_name=`: every droplet with the tag. */
export function deleteByTag(core: EmulatorCore, tag: string): void {
  const now = core.nowMs();
  for (const d of core.world.visibleWithTag(tag, now)) {
    core.world.markDeleted(d, now, core.faultsFor(d.regionSlug).deleteLagMs);
  }
}

/** Reads and checks the `type` of an action request. */
export function readActionType(body: unknown, byTag: boolean): string {
  const type = typeof body === 'object' && body !== null ? (body as Record<string, unknown>).type : undefined;
  if (typeof type !== 'string' || !KNOWN_ACTIONS.has(type)) throw unprocessable(MSG.payloadInvalid);
  if (byTag && !TAG_ACTIONS.has(type)) throw unprocessable(MSG.payloadInvalid);
  if (!(type in ACTION_RESULT)) throw unprocessable(`The emulator does not implement the ${type} action.`);
  return type;
}

/** Starts a power action on each droplet, refusing them all if any has a pending event. */
export function startActions(core: EmulatorCore, droplets: readonly DropletRecord[], type: string): ActionRecord[] {
  if (droplets.some((d) => d.locked)) throw unprocessable(MSG.pendingEvent);
  const now = core.nowMs();
  return droplets.map((d) => {
    d.locked = true;
    const action = core.world.addAction(type, d, now);
    core.lifecycle.run(d, action);
    return action;
  });
}
