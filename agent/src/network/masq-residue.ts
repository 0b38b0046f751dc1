import { createHash } from 'node:crypto';
import { type Result, ok } from '../../../protocol/src/index.js';
import type { Iptables } from './iptables.js';

/**
 * The bridge plugin's DEL removes its per-pod masquerade chain only when it can
 * still enter the pod's namespace to read the address back: when the namespace
 * is gone (deleted behind our back, or a crash between steps) the chain and its
 * POSTROUTING jump stay forever. After DEL we look for them and remove them.
 * (After a real reboot there is nothing to find: iptables rules do not survive it.)
 */

/** The chain name the bridge plugin gives a pod's masquerade rules: `CNI-` + sha512(name+id)[:24]. Pure. */
export function bridgeMasqChain(networkName: string, containerId: string): string {
  return `CNI-${createHash('sha512').update(networkName + containerId).digest('hex').slice(0, 24)}`;
}

/** Splits an `iptables-save` rule into arguments, undoing its double-quote escaping. Pure. */
export function splitRuleSpec(line: string): string[] {
  const args: string[] = [];
  let current = '';
  let inArg = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quoted) {
      if (c === '\\' && i + 1 < line.length) current += line[++i];
      else if (c === '"') quoted = false;
      else current += c;
    } else if (c === '"') {
      quoted = true;
      inArg = true;
    } else if (c === ' ' || c === '\t') {
      if (inArg) args.push(current);
      current = '';
      inArg = false;
    } else {
      current += c;
      inArg = true;
    }
  }
  if (inArg) args.push(current);
  return args;
}

/**
 * `iptables` argument lists that remove every nat rule jumping to `chain`,
 * then flush and delete the chain, given the output of `iptables-save -t nat`. Pure.
 */
export function planChainRemoval(natSave: string, chain: string): string[][] {
  const steps: string[][] = [];
  let declared = false;
  for (const line of natSave.split('\n')) {
    if (line.startsWith(`:${chain} `)) declared = true;
    if (!line.startsWith('-A ')) continue;
    const args = splitRuleSpec(line);
    const jump = args.findIndex((a, i) => (a === '-j' || a === '--jump') && args[i + 1] === chain);
    if (jump >= 0 && args[1] !== chain) steps.push(['-t', 'nat', '-D', ...args.slice(1)]);
  }
  if (declared) steps.push(['-t', 'nat', '-F', chain], ['-t', 'nat', '-X', chain]);
  return steps;
}

/** Removes what the bridge plugin left of a pod's masquerading, if anything. */
export async function removeBridgeMasqResidue(iptables: Iptables, ids: { networkName: string; containerId: string }): Promise<Result<void>> {
  const saved = await iptables.save('nat');
  if (!saved.ok) return saved;
  for (const args of planChainRemoval(saved.value, bridgeMasqChain(ids.networkName, ids.containerId))) {
    const done = await iptables.exec(args);
    if (!done.ok) return done;
  }
  return ok(undefined);
}
