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

/** A command as the caller writes it: the operation and its own arguments; the client adds `v`, `id` and `ts`. */
export type CommandRequest = CommandMessage extends infer M ? (M extends CommandMessage ? Omit<M, 'v' | 'id' | 'ts'> : never) : never;

/**
 * The agent answered with an error. `code` is CORRAL_COMMAND_FAILED; `remote` is
 * what the agent said, so callers can branch on the agent's own code
 * (e.g. CORRAL_POD_NOT_FOUND for `logs` of a pod the node does not run).
 */
export class CommandFailedError extends CorralError {
  constructor(
    readonly node: string,
    readonly op: CommandOp,
    readonly remote: { code: string; message: string },
  ) {
    super(ErrorCode.CommandFailed, `${op} on ${node} failed: ${remote.code}: ${remote.message}`);
    this.name = 'CommandFailedError';
  }
}

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

  /** Sends `request` (e.g. `{op: 'ping'}` or `{op: 'logs', pod, tail}`) to `node` and resolves with the validated result. */
  request<R extends CommandRequest>(node: string, request: R, options: { timeoutMs?: number } = {}): Promise<CommandResult<R['op']>> {
    const id = randomUUID();
    const op = request.op;
    const command = { ...request, v: PROTOCOL_VERSION, id, ts: this.now() } as CommandMessage;
    return new Promise<CommandResult<R['op']>>((resolve, reject) => {
      const timeoutMs = options.timeoutMs ?? 5000;
      let payload: Uint8Array;
      try {
        payload = encodeMessage('cmd', command);
      } catch (error) {
        reject(error as Error);
        return;
      }
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new CorralError(ErrorCode.CommandTimeout, `node ${node} did not answer ${op} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(id, { node, op, resolve: resolve as (v: unknown) => void, reject, timer });
      this.publish(nodeTopic(node, 'cmd'), payload).catch((cause: unknown) => {
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
      pending.reject(new CommandFailedError(node, pending.op, reply.error));
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
