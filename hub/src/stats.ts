/** Message counters of the hub, served at /api/v1/stats. Never persisted. */
export class HubStats {
  private readonly received = new Map<string, number>();
  private readonly dropped = new Map<string, number>();
  private droppedTotal = 0;

  countReceived(kind: string): void {
    this.received.set(kind, (this.received.get(kind) ?? 0) + 1);
  }

  countDropped(code: string): void {
    this.dropped.set(code, (this.dropped.get(code) ?? 0) + 1);
    this.droppedTotal += 1;
  }

  snapshot(): { received: Record<string, number>; dropped: Record<string, number>; droppedTotal: number } {
    return { received: Object.fromEntries(this.received), dropped: Object.fromEntries(this.dropped), droppedTotal: this.droppedTotal };
  }
}
