/**
 * Reads MQTT fixed headers off a byte stream and reports the first packet
 * whose remaining length exceeds a limit, before the broker buffers it.
 * Aedes has no packet size limit of its own; without this a single 256 MB
 * PUBLISH would be held in memory (and forwarded) on a 512 MB device.
 */
export class PacketSizeGuard {
  private state: 'type' | 'length' | 'body' = 'type';
  private length = 0;
  private multiplier = 1;
  private lengthBytes = 0;
  private remaining = 0;

  constructor(readonly limit: number) {}

  /** Feeds the next chunk; returns the offending remaining length (or -1 for a malformed length), else undefined. */
  push(chunk: Uint8Array): number | undefined {
    let i = 0;
    while (i < chunk.length) {
      switch (this.state) {
        case 'type':
          i += 1;
          this.state = 'length';
          this.length = 0;
          this.multiplier = 1;
          this.lengthBytes = 0;
          break;
        case 'length': {
          const byte = chunk[i] as number;
          i += 1;
          this.length += (byte & 0x7f) * this.multiplier;
          this.multiplier *= 128;
          this.lengthBytes += 1;
          if (byte & 0x80) {
            if (this.lengthBytes === 4) return -1;
            break;
          }
          if (this.length > this.limit) return this.length;
          this.remaining = this.length;
          this.state = this.remaining > 0 ? 'body' : 'type';
          break;
        }
        case 'body': {
          const take = Math.min(this.remaining, chunk.length - i);
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = 'type';
          break;
        }
      }
    }
    return undefined;
  }
}
