/**
 * Collects query parameters and hands out their placeholders. Compiled SQL never contains a
 * value: every value goes through here and appears in the text only as `$n`.
 */
export class SqlParams {
  readonly values: unknown[] = [];

  constructor(private readonly offset = 0) {}

  /** Adds a value and returns its placeholder. */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.offset + this.values.length}`;
  }

  get next(): number {
    return this.offset + this.values.length + 1;
  }
}
