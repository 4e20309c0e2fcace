/**
 * The expected wait for a new server per region, for placement: the median of the boots this
 * process saw there (creating → ready, ServerOps.markReady) within the window, else the estimate
 * (POOL_BOOT_ESTIMATE_S). Per process: a replica that has seen no boot in a region uses the estimate.
 */
export class BootWaits {
  private readonly samples = new Map<string, [atMs: number, seconds: number][]>();

  constructor(
    private readonly estimateS: number,
    private readonly windowS: number,
    private readonly maxSamples = 50,
  ) {}

  record(region: string, seconds: number, atMs: number): void {
    const list = this.samples.get(region) ?? [];
    list.push([atMs, seconds]);
    if (list.length > this.maxSamples) list.shift();
    this.samples.set(region, list);
  }

  /** Seconds a new server in `region` is expected to take at nowMs. */
  waitS(region: string, nowMs: number): number {
    const recent = (this.samples.get(region) ?? [])
      .filter(([at]) => nowMs - at <= this.windowS * 1000)
      .map(([, s]) => s)
      .sort((a, b) => a - b);
    if (recent.length === 0) return this.estimateS;
    const mid = Math.floor(recent.length / 2);
    return recent.length % 2 ? recent[mid]! : (recent[mid - 1]! + recent[mid]!) / 2;
  }
}
