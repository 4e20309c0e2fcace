/**
 * Tags of the account. Names are matched case-insensitively and keep the letter case of
 * whoever created them first ("case stable", like DigitalOcean).
 */
export class TagRegistry {
  /** Lower-cased name → name as first created; insertion order is creation order. */
  private readonly names = new Map<string, string>();

  /** The stored name for `name`, creating the tag when it does not exist. */
  ensure(name: string): string {
    const key = name.toLowerCase();
    const existing = this.names.get(key);
    if (existing !== undefined) return existing;
    this.names.set(key, name);
    return name;
  }

  /** The stored name, or undefined when there is no such tag. */
  get(name: string): string | undefined {
    return this.names.get(name.toLowerCase());
  }

  /** Removes the tag; false when it did not exist. */
  delete(name: string): boolean {
    return this.names.delete(name.toLowerCase());
  }

  list(): string[] {
    return [...this.names.values()];
  }

  clear(): void {
    this.names.clear();
  }
}

/** Tag names: letters, digits, `_`, `-` and `:`, at most 255 characters. */
export function isValidTagName(name: unknown): name is string {
  return typeof name === 'string' && name.length <= 255 && /^[a-zA-Z0-9_\-:]+$/.test(name);
}

/** Case-insensitive tag membership. */
export function hasTag(tags: readonly string[], name: string): boolean {
  const key = name.toLowerCase();
  return tags.some((t) => t.toLowerCase() === key);
}
