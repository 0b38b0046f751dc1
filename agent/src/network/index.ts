export type { PodNetwork, PodNetworkRequest, PodPort, PodSandbox, PodSandboxStatus, PortProtocol } from './pod-network.js';
export { CniPodNetwork, type CniPodNetworkDeps, type CniPodNetworkOptions, hostPodNetworkDeps } from './cni-pod-network.js';
export { MemoryPodNetwork } from './memory-pod-network.js';
export { podNetworkRequest } from './pod-ports.js';
export { DEFAULT_NETWORK } from './cni-config.js';
export { CniPluginError } from './cni-executor.js';
