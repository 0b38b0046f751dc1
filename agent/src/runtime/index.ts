export type { OciConfig, OciMount, OciResources, OciUser } from './oci-config.js';
export { type BuildOciSpecInput, type DeviceNode, type ImageProcessConfig, type PodRuntimeContext, buildOciSpec } from './oci-spec.js';
export { resolveUser } from './resolve-user.js';
export {
  type CgroupFileReader,
  type CgroupLocation,
  type CgroupUsage,
  type CgroupVersion,
  type LimitFile,
  DEFAULT_CGROUP_PARENT,
  containerCgroupPath,
  cpuLimitFiles,
  memoryLimitFiles,
  pidsLimitFiles,
  podCgroupPath,
  readCgroupUsage,
} from './cgroups.js';
export { cgroupHierarchies, readCgroupFile, removeCgroup } from './cgroup-fs.js';
export { type ExitReason, terminationReason } from './termination.js';
export type { ContainerState, ContainerStatus, CreateOptions, ExecOptions, ExecResult, OciRuntime } from './oci-runtime.js';
export { RuncRuntime, type RuncRuntimeOptions, needsUnifiedCgroupHidden } from './runc-runtime.js';
