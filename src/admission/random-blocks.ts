import { randomFillSync } from "node:crypto";

/**
 * Random bytes handed out in slices of one block, refilled from the CSPRNG when used up: a randomBytes
 * call per purchase token cost more than its MAC. Each slice is handed out once.
 */
export class RandomBlocks {
  private readonly block: Buffer;
  private at: number;

  /** `slice`: the bytes of one take(); `perBlock`: slices per refill. */
  constructor(
    private readonly slice: number,
    perBlock: number,
  ) {
    this.block = Buffer.allocUnsafe(slice * perBlock);
    this.at = this.block.length;
  }

  /** Writes the next `slice` random bytes to into[at..). */
  take(into: Uint8Array, at: number): void {
    if (this.at === this.block.length) {
      randomFillSync(this.block);
      this.at = 0;
    }
    const block = this.block;
    const from = this.at;
    for (let i = 0; i < this.slice; i++) into[at + i] = block[from + i]!;
    this.at = from + this.slice;
  }
}
