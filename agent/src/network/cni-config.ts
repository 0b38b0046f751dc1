import { CorralError, ErrorCode, type Result, err, ok } from '../../../protocol/src/index.js';
import type { HostPortMapping } from './pod-ports.js';

/** The CNI spec version Corral speaks; containernetworking-plugins ≥ 1.0 implement it. */
export const CNI_VERSION = '1.0.0';

/** Defaults for the node's pod network. */
export const DEFAULT_NETWORK = { name: 'corral', bridge: 'corral0', subnet: '10.88.0.0/16' } as const;

export interface PodNetworkSettings {
  /** CNI network name; also names host-local's lease directory and (hashed) the iptables chains. */
  name: string;
  /** Linux bridge the pods hang off, at most 15 characters. */
  bridge: string;
  /** IPv4 CIDR the pod addresses come from; the bridge takes the first address as gateway. */
  subnet: string;
  /** Where host-local keeps its leases: under the agent's data dir, so they live with the sandbox records. */
  ipamDataDir: string;
}

/** One plugin of a network configuration list. */
export interface CniPluginConf {
  type: string;
  capabilities?: Record<string, boolean>;
  [key: string]: unknown;
}

/** A CNI network configuration list (`.conflist`), stored verbatim with each sandbox so DEL uses exactly what ADD used. */
export interface CniNetworkList {
  cniVersion: string;
  name: string;
  plugins: CniPluginConf[];
}

/** A `portMappings` entry as the portmap plugin reads it from `runtimeConfig`. */
export interface CniPortMapping {
  hostPort: number;
  containerPort: number;
  protocol: 'tcp' | 'udp';
}

/** Dynamic values offered to plugins that declare the matching capability. */
export interface CniRuntimeConfig {
  portMappings?: CniPortMapping[];
}

/** CNI network names: an alphanumeric, then alphanumerics, `_`, `.`, `-`. */
const NETWORK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
/** Linux interface names: at most 15 bytes, no `/`, `:` or whitespace. */
const INTERFACE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,14}$/;

/** The node's pod network: bridge + host-local IPAM, then portmap. Pure. */
export function podNetworkConfigList(settings: PodNetworkSettings): Result<CniNetworkList> {
  if (!NETWORK_NAME.test(settings.name)) return err(invalid(`network name ${JSON.stringify(settings.name)} must match ${NETWORK_NAME.source}`, 'name'));
  if (!INTERFACE_NAME.test(settings.bridge)) return err(invalid(`bridge ${JSON.stringify(settings.bridge)} must be an interface name of at most 15 characters`, 'bridge'));
  const subnet = parseIPv4Cidr(settings.subnet);
  if (!subnet.ok) return err(invalid(`subnet ${JSON.stringify(settings.subnet)}: ${subnet.error}`, 'subnet'));
  if (!settings.ipamDataDir.startsWith('/')) return err(invalid(`ipamDataDir ${JSON.stringify(settings.ipamDataDir)} must be an absolute path`, 'ipamDataDir'));
  return ok({
    cniVersion: CNI_VERSION,
    name: settings.name,
    plugins: [
      {
        type: 'bridge',
        bridge: settings.bridge,
        // The bridge gets the gateway address and pods a default route through it.
        isGateway: true,
        // Traffic leaving the subnet is masqueraded behind the node's address.
        ipMasq: true,
        // A pod can reach itself through its own host port.
        hairpinMode: true,
        ipam: {
          type: 'host-local',
          ranges: [[{ subnet: settings.subnet }]],
          routes: [{ dst: '0.0.0.0/0' }],
          dataDir: settings.ipamDataDir,
        },
      },
      // snat: connections to 127.0.0.1:hostPort from the node are masqueraded, so replies come back.
      { type: 'portmap', capabilities: { portMappings: true }, snat: true },
    ],
  });
}

/** Host ports in the shape portmap expects. Pure. */
export function cniPortMappings(hostPorts: ReadonlyArray<HostPortMapping>): CniPortMapping[] {
  return hostPorts.map((m) => ({ hostPort: m.hostPort, containerPort: m.containerPort, protocol: m.protocol === 'UDP' ? 'udp' : 'tcp' }));
}

/**
 * The JSON one plugin reads on stdin, derived per the CNI spec ("Deriving execution
 * configuration from plugin configuration"): the plugin's own fields, the list's
 * `cniVersion` and `name`, `runtimeConfig` holding only the capabilities the
 * plugin declares, `capabilities` itself removed, and `prevResult` when given
 * (the previous plugin's result on ADD; the cached final ADD result on DEL and CHECK). Pure.
 */
export function pluginExecConfig(list: CniNetworkList, options: { plugin: CniPluginConf; runtimeConfig: CniRuntimeConfig; prevResult?: unknown }): Record<string, unknown> {
  const { capabilities, ...fields } = options.plugin;
  const runtimeConfig: Record<string, unknown> = {};
  for (const [capability, value] of Object.entries(options.runtimeConfig)) {
    if (capabilities?.[capability] === true && value !== undefined) runtimeConfig[capability] = value;
  }
  return {
    ...fields,
    cniVersion: list.cniVersion,
    name: list.name,
    ...(Object.keys(runtimeConfig).length > 0 ? { runtimeConfig } : {}),
    ...(options.prevResult === undefined ? {} : { prevResult: options.prevResult }),
  };
}

/** Parses `a.b.c.d/n` with the host bits zero and room for a gateway and pods (n ≤ 30). Pure. */
export function parseIPv4Cidr(text: string): Result<{ network: number; prefix: number }, string> {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(text);
  if (!match) return err('must be an IPv4 CIDR such as 10.88.0.0/16');
  const octets = match.slice(1, 5).map(Number);
  if (octets.some((o) => o > 255)) return err('each octet must be at most 255');
  const prefix = Number(match[5]);
  if (prefix < 8 || prefix > 30) return err('prefix length must be between 8 and 30');
  const network = octets.reduce((acc, o) => acc * 256 + o, 0);
  const hostBits = 2 ** (32 - prefix);
  if (network % hostBits !== 0) return err('host bits must be zero');
  return ok({ network, prefix });
}

function invalid(message: string, path: string): CorralError {
  return new CorralError(ErrorCode.NetworkInvalid, `pod network: ${message}`, { path });
}
