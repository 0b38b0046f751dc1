import { existsSync, readFileSync } from 'node:fs';
import { RuncRuntime, type RuncRuntimeOptions, needsUnifiedCgroupHidden } from '../../../agent/src/runtime/index.js';
import { ociRuntimeContract } from './oci-runtime.contract.js';

// This host mounts cgroup2 at /sys/fs/cgroup/unified with hugetlb enabled there, which crun 1.8 refuses.
const unified = (() => {
  try {
    return readFileSync('/sys/fs/cgroup/unified/cgroup.controllers', 'utf8');
  } catch {
    return undefined;
  }
})();

ociRuntimeContract('crun', {
  cgroupVersion: existsSync('/sys/fs/cgroup/cgroup.controllers') ? 'v2' : 'v1',
  make(stateDir) {
    const options: RuncRuntimeOptions = { binary: 'crun', stateDir, hideUnifiedCgroup: needsUnifiedCgroupHidden('crun', unified) };
    return { runtime: new RuncRuntime(options), reopen: () => new RuncRuntime(options), options, stateDir };
  },
});
