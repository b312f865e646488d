/** Segment trees over sorted rows for sliding window frames: sums, and the best row by a comparison (min / max). */

/** Sum segment tree over values (nulls as 0); query is inclusive. */
export class SumTree {
  private readonly t: Float64Array;
  constructor(private readonly size: number, values: ArrayLike<number>, valid: Uint8Array | null) {
    this.t = new Float64Array(2 * size);
    for (let i = 0; i < size; i++) this.t[size + i] = valid && !valid[i] ? 0 : values[i]!;
    for (let i = size - 1; i >= 1; i--) this.t[i] = this.t[2 * i]! + this.t[2 * i + 1]!;
  }
  /** Sum of rows l..r. */
  query(l: number, r: number): number {
    let res = 0;
    let a = l + this.size;
    let b = r + 1 + this.size;
    const t = this.t;
    while (a < b) {
      if (a & 1) res += t[a++]!;
      if (b & 1) res += t[--b]!;
      a >>= 1;
      b >>= 1;
    }
    return res;
  }
}

/** Segment tree of row indices picking the best row by `better` (-1 = no row); query is inclusive. */
export class BestTree {
  private readonly t: Int32Array;
  constructor(private readonly size: number, valid: Uint8Array | null, private readonly better: (i: number, j: number) => boolean) {
    this.t = new Int32Array(2 * size).fill(-1);
    for (let i = 0; i < size; i++) this.t[size + i] = valid && !valid[i] ? -1 : i;
    for (let i = size - 1; i >= 1; i--) this.t[i] = this.pick(this.t[2 * i]!, this.t[2 * i + 1]!);
  }
  private pick(a: number, b: number): number {
    if (a < 0) return b;
    if (b < 0) return a;
    return this.better(b, a) ? b : a;
  }
  /** The best valid row of l..r, or -1. */
  query(l: number, r: number): number {
    let res = -1;
    let a = l + this.size;
    let b = r + 1 + this.size;
    const t = this.t;
    while (a < b) {
      if (a & 1) res = this.pick(res, t[a++]!);
      if (b & 1) res = this.pick(res, t[--b]!);
      a >>= 1;
      b >>= 1;
    }
    return res;
  }
}
