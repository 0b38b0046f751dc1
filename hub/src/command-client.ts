import { randomUUID } from 'node:crypto';
import {
  type CommandMessage,
  type CommandOp,
  type CommandResult,
  CommandResults,
  CorralError,
  ErrorCode,
  PROTOCOL_VERSION,
  type ReplyMessage,
  encodeMessage,
  nodeTopic,
} from '../../protocol/src/index.js';

type Publish = (topic: string, payload: Uint8Array) => Promise<void>;

interface Pending {
  node: string;
  op: CommandOp;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/** Request/reply over `…/cmd` and `…/reply` with correlation ids and a deadline per request. */
export class CommandClient {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly publish: Publish,
    private readonly now: () => number = Date.now,
  ) {}

  request<Op extends CommandOp>(node: string, op: Op, options: { timeoutMs?: number } = {}): Promise<CommandResult<Op>> {
    const id = randomUUID();
    const command = { v: PROTOCOL_VERSION, id, ts: this.now(), op } as CommandMessage;
    return new Promise<CommandResult<Op>>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? 5000;
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new CorralError(ErrorCode.CommandTimeout, `node ${node} did not answer ${op} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { node, op, resolve: resolve as (v: unknown) => void, reject, timer });
      this.publish(nodeTopic(node, 'cmd'), encodeMessage('cmd', command)).catch((cause: unknown) => {
        clearTimeout(timer);
        this.pending.delete(id);
        reject(new CorralError(ErrorCode.BrokerUnavailable, `could not send ${op} to ${node}`, { cause }));
      });
    });
  }

  /** Completes the request a reply answers. Replies from another node than the one asked are ignored. */
  settle(node: string, reply: ReplyMessage): boolean {
    const pending = this.pending.get(reply.id);
    if (!pending || pending.node !== node) return false;
    this.pending.delete(reply.id);
    clearTimeout(pending.timer);
    if (!reply.ok) {
      pending.reject(new CorralError(ErrorCode.CommandFailed, `${pending.op} on ${node} failed: ${reply.error.code}: ${reply.error.message}`));
      return true;
    }
    const parsed = CommandResults[pending.op].safeParse(reply.result);
    if (parsed.success) pending.resolve(parsed.data);
    else pending.reject(new CorralError(ErrorCode.ProtocolInvalid, `${pending.op} on ${node}: malformed result`));
    return true;
  }

  /** Rejects everything still waiting (hub shutdown). */
  cancelAll(): void {
    for (const [id, pending] of this.pending) {
      clearTimeout(pending.timer);
      pending.reject(new CorralError(ErrorCode.BrokerUnavailable, 'hub is stopping'));
      this.pending.delete(id);
    }
  }
}
