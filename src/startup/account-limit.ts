import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { CapacityGuard } from '../domain/capacity-guard.js';
import type { Provider } from '../providers/provider.js';
import type { Clock } from '../util/clock.js';

/** What the provider reports about the account's limit moves the capacity guard. */
export function capacityHooks(capacity: CapacityGuard, config: Readonly<Config>, logger: Logger) {
  return {
    onLimitRefused: (message: string) => {
      capacity.noteRefused(message);
      logger.warn(
        { err: message, holdS: config.lifecycle.capacityHoldS },
        'the provider account is full: no create is tried for a while',
      );
    },
    onDropletGone: () => capacity.noteFreed(),
  };
}

/**
 * In a fleet across clouds, one cloud's account being full is that cloud's: its regions refuse
 * creates for REGION_REFUSAL_COOLDOWN_S (placement skips them, their waiting sessions are
 * re-placed), while the other clouds go on creating. The whole-fleet hold (capacityHooks)
 * would have stopped every cloud's creates for CAPACITY_HOLD_S.
 */
export function cloudCapacityHooks(
  capacity: CapacityGuard,
  logger: Logger,
  cloud: { name: string; regions: readonly string[]; refuse: (region: string) => Promise<void> },
) {
  return {
    onLimitRefused: (message: string) => {
      logger.warn(
        { err: message, provider: cloud.name, regions: cloud.regions },
        "a cloud account is full: that cloud's regions take no creates for a while",
      );
      for (const region of cloud.regions)
        void cloud.refuse(region).catch((err: unknown) => {
          logger.warn({ region, err: (err as Error).message }, 'could not record the region refusing creates');
        });
    },
    onDropletGone: () => capacity.noteFreed(),
  };
}

/**
 * Reads the account's limit in the background, awaited only briefly: an API that does not
 * answer must not hold the start-up (or a shutdown) for its request timeout. The clamp applies
 * when it arrives.
 */
export async function readAccountLimitBriefly(
  provider: Provider,
  capacity: CapacityGuard,
  logger: Logger,
  clock: Clock,
): Promise<void> {
  const accountRead = readAccountLimit(provider, capacity, logger);
  const readWait = new AbortController();
  await Promise.race([accountRead, clock.sleep(ACCOUNT_LIMIT_WAIT_MS, readWait.signal)]);
  readWait.abort();
}

/** Longest the start-up waits for the account's droplet limit before serving without it. */
const ACCOUNT_LIMIT_WAIT_MS = 2_000;

/**
 * Clamps MAX_SERVERS to the provider account's own limit, read once before anything is
 * created; when it cannot be read, the refusal hold still stops a create storm.
 */
async function readAccountLimit(provider: Provider, capacity: CapacityGuard, logger: Logger): Promise<void> {
  if (!provider.accountLimit) return;
  try {
    const account = await provider.accountLimit();
    const clamp = account ? capacity.setAccountLimit(account.limit, account.label) : null;
    if (clamp) logger.warn({ accountLimit: account!.limit }, `${clamp}: creates beyond it would be refused`);
  } catch (err) {
    logger.warn(
      { err: (err as Error).message },
      'could not read the account limit; MAX_SERVERS is not checked against it',
    );
  }
}
