/**
 * The port between the reconcile loop and the parts around it, made before either, so the
 * composition root builds every part in dependency order without binding any late:
 *
 * - Routes, the provider and the boot watcher ask for a pass (`requestPass`); the loop listens
 *   once it exists. Asks before that, or with the loop off, are no-ops, as trigger() is on a
 *   loop not started.
 * - The loop reports each region's forecasting pool target after each pass it leads (`noteForecast`),
 *   so every view of the pool target (GET /v1/status, /metrics, the dashboard) uses the one
 *   the reconciler planned with.
 */
export class ReconcileLink {
  private readonly listeners: (() => void)[] = [];
  private forecast: Readonly<Record<string, number>> | null = null;

  /** Asks the loop for a pass soon; many asks before it starts make one pass. */
  readonly requestPass = (): void => {
    for (const l of this.listeners) l();
  };

  /** The loop subscribes to requests for a pass. */
  onPassRequested(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Each region's forecasting pool idle target of the last pass planned (null: the fixed policy). */
  noteForecast(targets: Readonly<Record<string, number>> | null): void {
    this.forecast = targets;
  }

  /**
   * The forecast's idle target of `region` the reconciler last planned with; null with the
   * fixed policy or before a pass (a region the last pass did not plan: 0, no demand seen).
   */
  forecastTarget(region: string): number | null {
    return this.forecast ? (this.forecast[region] ?? 0) : null;
  }
}
