/**
 * The port between the reconcile loop and the parts around it, made before either, so the
 * composition root builds every part in dependency order without binding any late:
 *
 * - Routes, the provider and the boot watcher ask for a pass (`requestPass`); the loop listens
 *   once it exists. Asks before that, or with the loop off, are no-ops, as trigger() is on a
 *   loop not started.
 * - The loop reports the forecasting pool's target after each pass it leads (`noteForecast`),
 *   so every view of the pool target (GET /v1/status, /metrics, the dashboard) uses the one
 *   the reconciler planned with.
 */
export class ReconcileLink {
  private readonly listeners: (() => void)[] = [];
  private forecast: number | null = null;

  /** Asks the loop for a pass soon; many asks before it starts make one pass. */
  readonly requestPass = (): void => {
    for (const l of this.listeners) l();
  };

  /** The loop subscribes to requests for a pass. */
  onPassRequested(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** The forecasting pool's idle target of the last pass planned (null: the fixed policy). */
  noteForecast(target: number | null): void {
    this.forecast = target;
  }

  /** The forecast's idle target the reconciler last planned with; null with the fixed policy or before a pass. */
  forecastTarget(): number | null {
    return this.forecast;
  }
}
