import { CorralError, ErrorCode, type Result, err, ok } from '../../../protocol/src/index.js';
import { type CniNetworkList, type CniRuntimeConfig, pluginExecConfig } from './cni-config.js';
import type { CniExecutor } from './cni-executor.js';
import { type CniResult, parseCniResult } from './cni-result.js';

/** The attachment a chain operates on. */
export interface CniAttachment {
  list: CniNetworkList;
  containerId: string;
  netnsPath: string;
  ifName: string;
  runtimeConfig: CniRuntimeConfig;
}

export type AddOutcome = { ok: true; result: CniResult } | { ok: false; error: CorralError; partial: CniResult | undefined };

/**
 * ADD through the list in order, each plugin getting the previous plugin's
 * result as `prevResult`. On failure, `partial` is the last result obtained,
 * which the caller hands DEL to undo what was done.
 */
export async function addNetworkList(executor: CniExecutor, attachment: CniAttachment): Promise<AddOutcome> {
  let prevResult: CniResult | undefined;
  for (const plugin of attachment.list.plugins) {
    const config = pluginExecConfig(attachment.list, { plugin, runtimeConfig: attachment.runtimeConfig, prevResult });
    const out = await executor.invoke({ command: 'ADD', containerId: attachment.containerId, netnsPath: attachment.netnsPath, ifName: attachment.ifName, config: { ...config, type: plugin.type } });
    if (!out.ok) return { ok: false, error: out.error, partial: prevResult };
    const parsed = parseCniResult(out.value);
    if (!parsed.ok) return { ok: false, error: new CorralError(ErrorCode.NetworkPluginFailed, `CNI plugin ${plugin.type} ADD: ${parsed.error}`), partial: prevResult };
    prevResult = parsed.value;
  }
  if (prevResult === undefined) return { ok: false, error: new CorralError(ErrorCode.NetworkInvalid, 'CNI network list has no plugins'), partial: undefined };
  return { ok: true, result: prevResult };
}

/**
 * DEL through the list in reverse order, each plugin getting the final ADD
 * result (when there is one) as `prevResult`. Carries on past a failing plugin
 * so the others still release what they hold, and answers the first failure;
 * every plugin's DEL is idempotent, so the caller can simply run it again.
 */
export async function delNetworkList(executor: CniExecutor, attachment: CniAttachment & { prevResult: unknown }): Promise<Result<void>> {
  const { prevResult } = attachment;
  let first: CorralError | undefined;
  for (const plugin of [...attachment.list.plugins].reverse()) {
    const config = pluginExecConfig(attachment.list, { plugin, runtimeConfig: attachment.runtimeConfig, prevResult });
    const out = await executor.invoke({ command: 'DEL', containerId: attachment.containerId, netnsPath: attachment.netnsPath, ifName: attachment.ifName, config: { ...config, type: plugin.type } });
    if (!out.ok) first ??= out.error;
  }
  return first === undefined ? ok(undefined) : err(first);
}
