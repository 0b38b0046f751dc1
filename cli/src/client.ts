import type { z } from 'zod';
import { describeNetworkError } from './network-error.js';
import { ApiStatus, BootstrapTokenList, BootstrapTokenObject, type CommandResult, CommandResults, type CreateBootstrapTokenRequest, CorralError, ErrorCode, formatPath, NodeList, NodeObject } from '../../protocol/src/index.js';
import { ApiToken, ApiTokenList, refusedError } from './apitoken-object.js';
import { ApiCronJob, ApiCronJobList, ApiRunList, TriggerResult } from './cronjob-object.js';
import { ApiNodeEventList } from './event-object.js';
import { NodeCredentials, NodeDeletion } from './node-credentials-object.js';
import { pinnedFetch } from './pinned-fetch.js';
import { ApiPod, ApiPodList } from './pod-object.js';
import {
  ApiDaemonSet,
  ApiDaemonSetList,
  ApiDeployment,
  ApiDeploymentList,
  ApplyResult,
  DrainResult,
  PodExplanation,
  WorkloadEventList,
} from './workload-object.js';

/** Workload kinds the hub serves (CronJobs too), with the URL segment and the schemas of one and of a list. */
const WORKLOADS = {
  Deployment: { path: 'deployments', one: ApiDeployment, list: ApiDeploymentList },
  DaemonSet: { path: 'daemonsets', one: ApiDaemonSet, list: ApiDaemonSetList },
  CronJob: { path: 'cronjobs', one: ApiCronJob, list: ApiCronJobList },
} as const;
export type WorkloadKind = keyof typeof WORKLOADS;
type WorkloadOf<K extends WorkloadKind> = K extends 'Deployment' ? ApiDeployment : K extends 'DaemonSet' ? ApiDaemonSet : ApiCronJob;
type WorkloadListOf<K extends WorkloadKind> = K extends 'Deployment' ? ApiDeploymentList : K extends 'DaemonSet' ? ApiDaemonSetList : ApiCronJobList;

export const DEFAULT_TIMEOUT_MS = 10_000;

export interface HubClientOptions {
  /** Base URL of the hub, e.g. `http://127.0.0.1:8080`; a path prefix is kept. */
  hub: string;
  /** Per request, covering connect, headers and body. */
  timeoutMs?: number;
  /** Injectable for tests; defaults to the global `fetch`. */
  fetch?: typeof fetch;
  /** PEM of the hub's CA: for an https:// hub, the only CA trusted (`--ca`, CORRAL_CA); unused for http://. */
  ca?: string | undefined;
  /** API bearer token, sent as `Authorization: Bearer …` (hubs in secure mode need one). */
  token?: string | undefined;
}

/** Client of the hub's HTTP API (`/api/v1`). Every failure is a CorralError with a stable code. */
export class HubClient {
  readonly hub: string;
  private readonly base: URL;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch;
  private readonly token: string | undefined;

  constructor(options: HubClientOptions) {
    this.hub = options.hub.replace(/\/+$/, '');
    let base: URL;
    try {
      base = new URL(this.hub + '/');
    } catch {
      throw new CorralError(ErrorCode.ConfigInvalid, `invalid hub URL ${JSON.stringify(options.hub)}`);
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new CorralError(ErrorCode.ConfigInvalid, `invalid hub URL ${JSON.stringify(options.hub)} (use http:// or https://)`);
    }
    this.base = base;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.fetchFn = options.fetch ?? (options.ca !== undefined && base.protocol === 'https:' ? pinnedFetch(options.ca) : fetch);
    this.token = options.token;
  }

  /** GET /api/v1/nodes */
  async listNodes(): Promise<NodeList> {
    const { status, body } = await this.get('api/v1/nodes');
    if (!isSuccess(status)) throw this.httpError(status, body);
    return this.decode(NodeList, body, 'NodeList');
  }

  /** GET /api/v1/nodes/{name}; CORRAL_NODE_NOT_FOUND on 404. */
  async getNode(name: string): Promise<NodeObject> {
    const { status, body } = await this.get(`api/v1/nodes/${encodeURIComponent(name)}`);
    if (status === 404) throw new CorralError(ErrorCode.NodeNotFound, `node ${JSON.stringify(name)} not found`);
    if (!isSuccess(status)) throw this.httpError(status, body);
    return this.decode(NodeObject, body, 'Node');
  }

  /** POST /api/v1/pods with a Pod manifest; `created` is false when the hub already had this very pod. */
  async createPod(manifest: unknown): Promise<{ pod: ApiPod; created: boolean }> {
    const { status, body } = await this.send('POST', 'api/v1/pods', manifest);
    if (!isSuccess(status)) throw this.apiError(status, body, { 400: ErrorCode.ManifestInvalid, 404: ErrorCode.NodeNotFound, 409: ErrorCode.HubError });
    return { pod: this.decode(ApiPod, body, 'Pod'), created: status === 201 };
  }

  /** GET /api/v1/pods, only the pods of `node` when given. */
  async listPods(options: { node?: string } = {}): Promise<ApiPodList> {
    const query = options.node === undefined ? '' : `?node=${encodeURIComponent(options.node)}`;
    const { status, body } = await this.get(`api/v1/pods${query}`);
    if (!isSuccess(status)) throw this.httpError(status, body);
    return this.decode(ApiPodList, body, 'PodList');
  }

  /** GET /api/v1/events: the agents' events, newest first, optionally of one node or pod. */
  async listNodeEvents(options: { node?: string; pod?: string; limit?: number } = {}): Promise<ApiNodeEventList> {
    const query = new URLSearchParams(Object.entries(options).filter(([, v]) => v !== undefined).map(([k, v]): [string, string] => [k, String(v)])).toString();
    const { status, body } = await this.get(`api/v1/events${query ? `?${query}` : ''}`);
    if (!isSuccess(status)) throw this.httpError(status, body);
    return this.decode(ApiNodeEventList, body, 'EventList');
  }

  /** GET /api/v1/pods/{name}; CORRAL_POD_NOT_FOUND on 404. */
  async getPod(name: string): Promise<ApiPod> {
    const { status, body } = await this.get(podPath(name));
    if (status === 404) throw new CorralError(ErrorCode.PodNotFound, `pod ${JSON.stringify(name)} not found`);
    if (!isSuccess(status)) throw this.httpError(status, body);
    return this.decode(ApiPod, body, 'Pod');
  }

  /** DELETE /api/v1/pods/{name}: the pod as it was; CORRAL_POD_NOT_FOUND on 404. */
  async deletePod(name: string): Promise<ApiPod> {
    const { status, body } = await this.send('DELETE', podPath(name));
    if (status === 404) throw new CorralError(ErrorCode.PodNotFound, `pod ${JSON.stringify(name)} not found`);
    if (!isSuccess(status)) throw this.httpError(status, body);
    return this.decode(ApiPod, body, 'Pod');
  }

  /**
   * GET /api/v1/pods/{name}/log: the last lines of a container's log, read by the pod's node.
   * The hub's reason becomes the error: 404 (no such pod or container, or the node does not run
   * it yet), 504 (the node did not answer), 502 (the node failed), 400/503.
   */
  async podLog(name: string, options: { container?: string; tail?: number } = {}): Promise<CommandResult<'logs'>> {
    const query = new URLSearchParams();
    if (options.container !== undefined) query.set('container', options.container);
    if (options.tail !== undefined) query.set('tail', String(options.tail));
    const search = query.size > 0 ? `?${query.toString()}` : '';
    const { status, body } = await this.get(`${podPath(name)}/log${search}`);
    if (!isSuccess(status)) {
      throw this.apiError(status, body, { 400: ErrorCode.HubError, 404: ErrorCode.PodNotFound, 502: ErrorCode.CommandFailed, 503: ErrorCode.CommandFailed, 504: ErrorCode.CommandTimeout });
    }
    return this.decode(CommandResults.logs, body, 'log');
  }

  /**
   * POST /api/v1/apply with manifest objects (in manifest form). Each object's outcome comes
   * back; an invalid object refuses them all (CORRAL_MANIFEST_INVALID naming the field).
   */
  async apply(objects: unknown[]): Promise<ApplyResult> {
    const { status, body } = await this.send('POST', 'api/v1/apply', { apiVersion: 'corral/v1', kind: 'List', items: objects });
    if (!isSuccess(status)) throw this.apiError(status, body, { 400: ErrorCode.ManifestInvalid });
    return this.decode(ApplyResult, body, 'ApplyResult');
  }

  /** GET /api/v1/deployments, /api/v1/daemonsets or /api/v1/cronjobs. */
  async listWorkloads<K extends WorkloadKind>(kind: K): Promise<WorkloadListOf<K>> {
    const { status, body } = await this.get(`api/v1/${WORKLOADS[kind].path}`);
    if (!isSuccess(status)) throw this.httpError(status, body);
    return this.decode(WORKLOADS[kind].list as unknown as z.ZodType<WorkloadListOf<K>>, body, `${kind}List`);
  }

  /** GET /api/v1/{deployments|daemonsets|cronjobs}/{name}; CORRAL_HUB_ERROR naming the object on 404. */
  async getWorkload<K extends WorkloadKind>(kind: K, name: string): Promise<WorkloadOf<K>> {
    const { status, body } = await this.get(workloadPath(kind, name));
    if (status === 404) throw workloadNotFound(kind, name);
    if (!isSuccess(status)) throw this.httpError(status, body);
    return this.decode(WORKLOADS[kind].one as unknown as z.ZodType<WorkloadOf<K>>, body, kind);
  }

  /** DELETE /api/v1/{deployments|daemonsets|cronjobs}/{name}: the object as it was; its controller then deletes its pods or runs. */
  async deleteWorkload<K extends WorkloadKind>(kind: K, name: string): Promise<WorkloadOf<K>> {
    const { status, body } = await this.send('DELETE', workloadPath(kind, name));
    if (status === 404) throw workloadNotFound(kind, name);
    if (!isSuccess(status)) throw this.httpError(status, body);
    return this.decode(WORKLOADS[kind].one as unknown as z.ZodType<WorkloadOf<K>>, body, kind);
  }

  /** GET /api/v1/{deployments|daemonsets|cronjobs}/{name}/events: what its controller did lately. */
  async workloadEvents(kind: WorkloadKind, name: string): Promise<WorkloadEventList> {
    const { status, body } = await this.get(`${workloadPath(kind, name)}/events`);
    if (status === 404) throw workloadNotFound(kind, name);
    if (!isSuccess(status)) throw this.httpError(status, body);
    return this.decode(WorkloadEventList, body, 'EventList');
  }

  /** GET /api/v1/cronjobs/{name}/runs: its runs, newest first, its history limits applied per node. */
  async cronJobRuns(name: string, options: { node?: string | undefined; limit?: number | undefined } = {}): Promise<ApiRunList> {
    const query = new URLSearchParams(Object.entries(options).filter(([, v]) => v !== undefined).map(([k, v]): [string, string] => [k, String(v)])).toString();
    const { status, body } = await this.get(`${workloadPath('CronJob', name)}/runs${query ? `?${query}` : ''}`);
    if (status === 404) throw workloadNotFound('CronJob', name);
    if (!isSuccess(status)) throw this.apiError(status, body, { 400: ErrorCode.HubError });
    return this.decode(ApiRunList, body, 'RunList');
  }

  /**
   * POST /api/v1/cronjobs/{name}/trigger: a run now on each of the job's nodes (or on `node`).
   * When every node failed, the hub's reason is the error: 504 (no answer), 503 (not connected), 502 (the agent failed).
   */
  async triggerCronJob(name: string, options: { node?: string | undefined } = {}): Promise<TriggerResult> {
    const query = options.node === undefined ? '' : `?node=${encodeURIComponent(options.node)}`;
    const { status, body } = await this.send('POST', `${workloadPath('CronJob', name)}/trigger${query}`);
    if (!isSuccess(status)) {
      throw this.apiError(status, body, { 400: ErrorCode.HubError, 404: ErrorCode.HubError, 409: ErrorCode.HubError, 502: ErrorCode.CommandFailed, 503: ErrorCode.CommandFailed, 504: ErrorCode.CommandTimeout });
    }
    return this.decode(TriggerResult, body, 'TriggerResult');
  }

  /** GET /api/v1/pods/{name}/explain: where the scheduler put the pod, or why no node fits. */
  async explainPod(name: string): Promise<PodExplanation> {
    const { status, body } = await this.get(`${podPath(name)}/explain`);
    if (status === 404) throw new CorralError(ErrorCode.PodNotFound, `pod ${JSON.stringify(name)} not found`);
    if (!isSuccess(status)) throw this.httpError(status, body);
    return this.decode(PodExplanation, body, 'explanation');
  }

  /** POST /api/v1/nodes/{name}/cordon or /uncordon: the node as it is now. */
  async setCordon(name: string, cordoned: boolean): Promise<NodeObject> {
    const { status, body } = await this.send('POST', `${nodePath(name)}/${cordoned ? 'cordon' : 'uncordon'}`);
    if (status === 404) throw new CorralError(ErrorCode.NodeNotFound, `node ${JSON.stringify(name)} not found`);
    if (!isSuccess(status)) throw this.httpError(status, body);
    return this.decode(NodeObject, body, 'Node');
  }

  /** POST /api/v1/nodes/{name}/drain: cordons the node and deletes its Deployment pods. */
  async drain(name: string): Promise<DrainResult> {
    const { status, body } = await this.send('POST', `${nodePath(name)}/drain`);
    if (status === 404) throw new CorralError(ErrorCode.NodeNotFound, `node ${JSON.stringify(name)} not found`);
    if (!isSuccess(status)) throw this.httpError(status, body);
    return this.decode(DrainResult, body, 'drain result');
  }

  /** POST /api/v1/nodes/{name}/credentials: a new broker password for the node (earlier ones stop working). */
  async issueNodeCredentials(name: string): Promise<NodeCredentials> {
    const { status, body } = await this.send('POST', `${nodePath(name)}/credentials`);
    if (!isSuccess(status)) throw this.apiError(status, body, { 400: ErrorCode.HubError });
    return this.decode(NodeCredentials, body, 'NodeCredentials');
  }

  /** DELETE /api/v1/nodes/{name}: revokes the node's credentials, disconnects it and forgets it; CORRAL_NODE_NOT_FOUND on 404. */
  async deleteNode(name: string): Promise<NodeDeletion> {
    const { status, body } = await this.send('DELETE', nodePath(name));
    if (status === 404) throw new CorralError(ErrorCode.NodeNotFound, `node ${JSON.stringify(name)} not found`);
    if (!isSuccess(status)) throw this.httpError(status, body);
    return this.decode(NodeDeletion, body, 'NodeDeletion');
  }

  /** GET /api/v1/tokens/self: the token this client sends, as the hub knows it (`corral login` checks it so). */
  async whoami(): Promise<ApiToken> {
    const { status, body } = await this.get('api/v1/tokens/self');
    if (status === 404) throw new CorralError(ErrorCode.HubError, `the hub at ${this.hub} does not check API tokens (it runs --insecure)`);
    if (!isSuccess(status)) throw this.httpError(status, body);
    return this.decode(ApiToken, body, 'ApiToken');
  }

  /** POST /api/v1/tokens: the new token, its secret included (shown this once). */
  async createApiToken(spec: { name: string; role: 'admin' | 'read-only' }): Promise<ApiToken> {
    const { status, body } = await this.send('POST', 'api/v1/tokens', spec);
    if (!isSuccess(status)) throw this.apiError(status, body, { 400: ErrorCode.HubError, 409: ErrorCode.HubError });
    return this.decode(ApiToken, body, 'ApiToken');
  }

  /** GET /api/v1/tokens (admin): every token, without secrets. */
  async listApiTokens(): Promise<ApiTokenList> {
    const { status, body } = await this.get('api/v1/tokens');
    if (!isSuccess(status)) throw this.httpError(status, body);
    return this.decode(ApiTokenList, body, 'ApiTokenList');
  }

  /** DELETE /api/v1/tokens/{id}: the token as it was; the hub refuses to revoke the last admin token (409). */
  async deleteApiToken(id: string): Promise<ApiToken> {
    const { status, body } = await this.send('DELETE', `api/v1/tokens/${encodeURIComponent(id)}`);
    if (!isSuccess(status)) throw this.apiError(status, body, { 404: ErrorCode.HubError, 409: ErrorCode.HubError });
    return this.decode(ApiToken, body, 'ApiToken');
  }

  /** POST /api/v1/bootstrap-tokens: a bootstrap token for enrollment, its secret included (shown this once). */
  async createBootstrapToken(spec: CreateBootstrapTokenRequest): Promise<BootstrapTokenObject> {
    const { status, body } = await this.send('POST', 'api/v1/bootstrap-tokens', spec);
    if (!isSuccess(status)) throw this.apiError(status, body, { 400: ErrorCode.HubError });
    return this.decode(BootstrapTokenObject, body, 'BootstrapToken');
  }

  /** GET /api/v1/bootstrap-tokens: every bootstrap token, without secrets; DELETE …/{id} revokes one. */
  async listBootstrapTokens(): Promise<BootstrapTokenList> {
    const { status, body } = await this.get('api/v1/bootstrap-tokens');
    if (!isSuccess(status)) throw this.httpError(status, body);
    return this.decode(BootstrapTokenList, body, 'BootstrapTokenList');
  }

  async revokeBootstrapToken(id: string): Promise<BootstrapTokenObject> {
    const { status, body } = await this.send('DELETE', `api/v1/bootstrap-tokens/${encodeURIComponent(id)}`);
    if (!isSuccess(status)) throw this.apiError(status, body, { 404: ErrorCode.HubError });
    return this.decode(BootstrapTokenObject, body, 'BootstrapToken');
  }

  private get(path: string): Promise<{ status: number; body: string }> {
    return this.send('GET', path);
  }

  /** One request; the body is read inside the timeout too. Network failures become CORRAL_HUB_UNREACHABLE. */
  private async send(method: 'GET' | 'POST' | 'DELETE', path: string, json?: unknown): Promise<{ status: number; body: string }> {
    const url = new URL(path, this.base);
    try {
      const res = await this.fetchFn(url, {
        method,
        headers: { accept: 'application/json', ...(json === undefined ? {} : { 'content-type': 'application/json' }), ...(this.token === undefined ? {} : { authorization: `Bearer ${this.token}` }) },
        ...(json === undefined ? {} : { body: JSON.stringify(json) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const answer = { status: res.status, body: await res.text() };
      // No token, a bad one, or a read-only one for a change: one line saying which, whatever the call.
      if (answer.status === 401 || answer.status === 403) throw refusedError(answer.status, { method, path, tokenSent: this.token !== undefined });
      return answer;
    } catch (error) {
      if (error instanceof CorralError) throw error;
      throw new CorralError(
        ErrorCode.HubUnreachable,
        `cannot reach hub at ${this.hub} (${describeNetworkError(error, this.timeoutMs)})`,
        { cause: error },
      );
    }
  }

  /** Non-2xx other than a handled 404: the ApiStatus message when the body is one, else the bare status. */
  private httpError(status: number, body: string): CorralError {
    const parsed = ApiStatus.safeParse(parseJson(body));
    const detail = parsed.success ? `: ${parsed.data.message}` : '';
    return new CorralError(ErrorCode.HubError, `hub at ${this.hub} answered HTTP ${status}${detail}`);
  }

  /**
   * A failure whose ApiStatus message says it all (`spec.nodeName: node "x" is not registered`),
   * with the code given for its HTTP status; any other answer is an `httpError`.
   */
  private apiError(status: number, body: string, codes: Partial<Record<number, ErrorCode>>): CorralError {
    const json = parseJson(body);
    const parsed = ApiStatus.safeParse(json);
    const code = codes[status];
    if (!parsed.success || code === undefined) return this.httpError(status, body);
    const field = (json as { details?: { causes?: Array<{ field?: unknown }> } }).details?.causes?.[0]?.field;
    return new CorralError(code, parsed.data.message, typeof field === 'string' ? { path: field } : {});
  }

  private decode<T>(schema: z.ZodType<T>, body: string, what: string): T {
    const json = parseJson(body);
    if (json === undefined) {
      throw new CorralError(ErrorCode.HubError, `hub at ${this.hub} sent a response that is not JSON (expected a ${what})`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const where = issue ? `${formatPath(issue.path)}: ${issue.message}` : 'schema mismatch';
      throw new CorralError(ErrorCode.HubError, `hub at ${this.hub} sent an invalid ${what} (${where})`, {
        path: issue ? formatPath(issue.path) : undefined,
      });
    }
    return parsed.data;
  }
}

function workloadPath(kind: WorkloadKind, name: string): string {
  return `api/v1/${WORKLOADS[kind].path}/${encodeURIComponent(name)}`;
}

function workloadNotFound(kind: WorkloadKind, name: string): CorralError {
  return new CorralError(ErrorCode.HubError, `${kind.toLowerCase()} ${JSON.stringify(name)} not found`);
}

function nodePath(name: string): string {
  return `api/v1/nodes/${encodeURIComponent(name)}`;
}

function podPath(name: string): string {
  return `api/v1/pods/${encodeURIComponent(name)}`;
}

function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
