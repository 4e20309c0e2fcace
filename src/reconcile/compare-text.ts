/**
 * Plain code-unit order for ids (ASCII: UUIDs, droplet ids). localeCompare gives the same
 * order for them but costs tens of milliseconds when sorting thousands of rows in a pass.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
