import type { Op } from './types.ts';

/**
 * Accumulates ops in canonical form: adjacent ops of one kind merged, and where a delete and an
 * insert meet, the delete first. Canonical patches compare equal when they mean the same edit.
 */
export class OpBuilder {
  private readonly ops: Op[] = [];

  /** `join` concatenates two inserts: plain concatenation for text, re-encoding for base64. */
  constructor(private readonly join: (a: string, b: string) => string = (a, b) => a + b) {}

  retain(n: number): this {
    if (n <= 0) return this;
    const last = this.ops[this.ops.length - 1];
    if (typeof last === 'number' && last > 0) this.ops[this.ops.length - 1] = last + n;
    else this.ops.push(n);
    return this;
  }

  delete(n: number): this {
    if (n <= 0) return this;
    const last = this.ops[this.ops.length - 1];
    if (typeof last === 'number' && last < 0) {
      this.ops[this.ops.length - 1] = last - n;
    } else if (typeof last === 'string') {
      // Keep "delete before insert": slide the delete in front of the trailing insert.
      const before = this.ops[this.ops.length - 2];
      if (typeof before === 'number' && before < 0) this.ops[this.ops.length - 2] = before - n;
      else this.ops.splice(this.ops.length - 1, 0, -n);
    } else {
      this.ops.push(-n);
    }
    return this;
  }

  insert(s: string): this {
    if (s.length === 0) return this;
    const last = this.ops[this.ops.length - 1];
    if (typeof last === 'string') this.ops[this.ops.length - 1] = this.join(last, s);
    else this.ops.push(s);
    return this;
  }

  build(): Op[] {
    // A patch of an empty base to an empty result has no ops at all.
    return this.ops;
  }
}
