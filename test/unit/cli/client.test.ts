import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HubClient } from '../../../cli/src/client.js';
import { CorralError, ErrorCode } from '../../../protocol/src/index.js';
import { makeList, makeNode } from './fixtures.js';
import { closedPortUrl, type HubStub, notFoundStatus, startHubStub } from './hub-stub.js';

function isCorral(code: string, message?: RegExp) {
  return (e: unknown) => e instanceof CorralError && e.code === code && (message === undefined || message.test(e.message));
}

describe('HubClient', () => {
  let hub: HubStub;
  before(async () => {
    hub = await startHubStub({
      '/api/v1/nodes': { status: 200, body: makeList([makeNode({ name: 'a' })]) },
      '/api/v1/nodes/a': { status: 200, body: makeNode({ name: 'a' }) },
      '/api/v1/nodes/gone': notFoundStatus('node "gone" not found'),
      '/api/v1/nodes/boom': { status: 500, body: { kind: 'Status', status: 'Failure', code: 500, reason: 'InternalError', message: 'store is closed' } },
      '/api/v1/nodes/teapot': { status: 418, body: '<html>nope</html>' },
      '/api/v1/nodes/garbled': { status: 200, body: 'not json' },
      '/api/v1/nodes/invalid': { status: 200, body: { ...makeNode({ name: 'invalid' }), kind: 'Pod' } },
    });
  });
  after(() => hub.close());

  it('HubClient.listNodes returns the validated NodeList', async () => {
    const list = await new HubClient({ hub: hub.url }).listNodes();
    assert.deepEqual(list.items.map((n) => n.metadata.name), ['a']);
  });

  it('HubClient.getNode returns the validated NodeObject', async () => {
    assert.equal((await new HubClient({ hub: hub.url }).getNode('a')).metadata.name, 'a');
  });

  it('HubClient.getNode maps 404 to CORRAL_NODE_NOT_FOUND', async () => {
    await assert.rejects(new HubClient({ hub: hub.url }).getNode('gone'), isCorral(ErrorCode.NodeNotFound, /^node "gone" not found$/));
  });

  it('HubClient maps other errors to CORRAL_HUB_ERROR with the ApiStatus message', async () => {
    await assert.rejects(new HubClient({ hub: hub.url }).getNode('boom'), isCorral(ErrorCode.HubError, /HTTP 500: store is closed$/));
  });

  it('HubClient reports the bare HTTP status when the error body is not an ApiStatus', async () => {
    await assert.rejects(new HubClient({ hub: hub.url }).getNode('teapot'), isCorral(ErrorCode.HubError, /HTTP 418$/));
  });

  it('HubClient rejects a 200 body that is not JSON or fails the schema', async () => {
    const client = new HubClient({ hub: hub.url });
    await assert.rejects(client.getNode('garbled'), isCorral(ErrorCode.HubError, /not JSON/));
    await assert.rejects(client.getNode('invalid'), isCorral(ErrorCode.HubError, /invalid Node \(kind: /));
  });

  it('HubClient maps a refused connection to CORRAL_HUB_UNREACHABLE naming the hub and the cause', async () => {
    const url = await closedPortUrl();
    await assert.rejects(
      new HubClient({ hub: url }).listNodes(),
      isCorral(ErrorCode.HubUnreachable, new RegExp(`^cannot reach hub at ${url} \\(connect ECONNREFUSED `)),
    );
  });

  it('HubClient maps a timeout to CORRAL_HUB_UNREACHABLE', async () => {
    const fetch = async (): Promise<Response> => {
      throw new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    };
    await assert.rejects(
      new HubClient({ hub: 'http://hub.test', timeoutMs: 2500, fetch }).listNodes(),
      isCorral(ErrorCode.HubUnreachable, /^cannot reach hub at http:\/\/hub\.test \(no answer within 2\.5s\)$/),
    );
  });

  it('HubClient keeps a path prefix of the hub URL and encodes the node name', async () => {
    const seen: string[] = [];
    const fetch = async (input: string | URL | Request): Promise<Response> => {
      seen.push(String(input));
      return new Response(JSON.stringify(makeNode({ name: 'a' })), { status: 200 });
    };
    await new HubClient({ hub: 'http://hub.test/corral/', fetch }).getNode('a b/c');
    assert.deepEqual(seen, ['http://hub.test/corral/api/v1/nodes/a%20b%2Fc']);
  });

  it('HubClient rejects a hub URL that is not http or https', () => {
    assert.throws(() => new HubClient({ hub: 'mqtt://hub:1883' }), isCorral(ErrorCode.ConfigInvalid));
    assert.throws(() => new HubClient({ hub: 'not a url' }), isCorral(ErrorCode.ConfigInvalid));
  });
});
