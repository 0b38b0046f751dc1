import type { Container } from '../../../protocol/src/index.js';
import type { DesiredPod, Termination } from './model.js';

/**
 * Everything the reconciler can ask the driver to do. A tagged union: the
 * driver's executor map is typed over `Step['kind']`, so a new kind does not
 * compile until it has an executor.
 */
export type Step =
  | { kind: 'pullImage'; image: string }
  | { kind: 'createSandbox'; pod: DesiredPod }
  | { kind: 'startContainer'; pod: DesiredPod; container: Container }
  | { kind: 'recordExit'; podUid: string; container: string; termination: Termination; willRestart: boolean }
  | { kind: 'stopContainer'; podUid: string; container: string; id: string; reason: StopReason }
  | { kind: 'removeContainer'; podUid: string; container: string; id: string }
  | { kind: 'removeSandbox'; podUid: string }
  | { kind: 'forgetPod'; podUid: string };

export type StopReason = 'PodDeleted' | 'SpecChanged' | 'Suspended';

export type StepKind = Step['kind'];
export type StepOf<K extends StepKind> = Extract<Step, { kind: K }>;

/** One executor per step kind. */
export type Executors = { [K in StepKind]: (step: StepOf<K>) => Promise<void> };
