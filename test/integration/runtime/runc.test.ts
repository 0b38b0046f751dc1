import { existsSync } from 'node:fs';
import { RuncRuntime, type RuncRuntimeOptions } from '../../../agent/src/runtime/index.js';
import { ociRuntimeContract } from './oci-runtime.contract.js';

ociRuntimeContract('runc', {
  cgroupVersion: existsSync('/sys/fs/cgroup/cgroup.controllers') ? 'v2' : 'v1',
  make(stateDir) {
    const options: RuncRuntimeOptions = { binary: 'runc', stateDir };
    return { runtime: new RuncRuntime(options), reopen: () => new RuncRuntime(options), options, stateDir };
  },
});
