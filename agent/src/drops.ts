/** Counts inbound messages the agent dropped, by reason code. Never persisted. */
export class DropCounter {
  private readonly counts = new Map<string, number>();
  private sum = 0;

  drop(reason: string): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
    this.sum += 1;
  }

  get total(): number {
    return this.sum;
  }

  byReason(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }
}
