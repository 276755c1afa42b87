'use strict';

// Drives a 2-node NacosSync sandbox cluster with the official Node.js Nacos client (npm `nacos`).
// Env: NACOS_NODE_A, NACOS_NODE_B ("ip:port" of two nodes of one cluster);
//      NACOS_USERNAME, NACOS_PASSWORD when the cluster has auth on.
// Prints one line per step: "ok <step>" or "fail <step>: <reason>"; exits 0 only when every step passed.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { NacosNamingClient, NacosConfigClient } = require('nacos');

const nodeA = process.env.NACOS_NODE_A;
const nodeB = process.env.NACOS_NODE_B;
if (!nodeA || !nodeB) {
  console.log('fail setup: NACOS_NODE_A and NACOS_NODE_B must be set');
  process.exit(2);
}

const credentials = process.env.NACOS_USERNAME
  ? { username: process.env.NACOS_USERNAME, password: process.env.NACOS_PASSWORD }
  : {};
const run = `${process.pid}-${Date.now()}`;
const cacheRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'nacos-conformance-'));
const quiet = {
  debug() {}, info() {}, log() {},
  warn(...args) { if (process.env.CONFORMANCE_VERBOSE) console.error('warn', ...args); },
  error(...args) { if (process.env.CONFORMANCE_VERBOSE) console.error('error', ...args); },
};

const sleep = ms => new Promise(resolve => setTimeout(resolve, ms));

async function until(what, predicate, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function step(name, action) {
  try {
    await action();
    console.log(`ok ${name}`);
  } catch (err) {
    console.log(`fail ${name}: ${err && err.message ? err.message : err}`);
    throw err;
  }
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

async function main() {
  const service = `conformance.svc.${run}`;
  const dataId = `conformance.${run}.properties`;
  const group = 'DEFAULT_GROUP';
  const clients = [];

  // Naming: a client on each node; the nodes share naming data.
  const namingA = new NacosNamingClient({ logger: quiet, serverList: nodeA, namespace: 'public', ...credentials });
  const namingB = new NacosNamingClient({ logger: quiet, serverList: nodeB, namespace: 'public', ...credentials });
  clients.push(namingA, namingB);
  await step('naming-ready', async () => {
    await namingA.ready();
    await namingB.ready();
    assert(await namingA.getServerStatus() === 'UP', 'server status is not UP');
  });

  let pushed = [];
  namingA.subscribe({ serviceName: service, groupName: group }, hosts => { pushed = hosts; });

  await step('register', async () => {
    await namingA.registerInstance(service, { ip: '10.1.0.1', port: 8080, metadata: { zone: 'a' } }, group);
    await namingA.registerInstance(service, { ip: '10.1.0.2', port: 8080, metadata: { zone: 'b' } }, group);
  });

  await step('subscribe', async () => {
    await until('the subscriber to see both instances', () => pushed.length === 2);
    const first = pushed.find(h => h.ip === '10.1.0.1');
    assert(first && first.metadata.zone === 'a', 'metadata not delivered');
  });

  await step('list', async () => {
    const hosts = await namingB.getAllInstances(service, group, '', false);
    assert(hosts.length === 2, `node B lists ${hosts.length} instances`);
    const healthy = await namingB.selectInstances(service, group, '', true, false);
    assert(healthy.length === 2, `node B selects ${healthy.length} healthy instances`);
  });

  await step('deregister', async () => {
    await namingA.deregisterInstance(service, { ip: '10.1.0.1', port: 8080 }, group);
    await until('the subscriber to see the deregistration', () => pushed.length === 1 && pushed[0].ip === '10.1.0.2');
    const hosts = await namingB.getAllInstances(service, group, '', false);
    assert(hosts.length === 1 && hosts[0].ip === '10.1.0.2', `node B still lists ${hosts.map(h => h.ip)}`);
  });

  // Config: one client per node, each with its own cluster name and a fresh cache dir.
  const configA = new NacosConfigClient({
    serverAddr: nodeA, namespace: '', clusterName: `conformance-a-${run}`, cacheDir: path.join(cacheRoot, 'a'), requestTimeout: 5000, ...credentials,
  });
  await configA.ready();
  const configB = new NacosConfigClient({
    serverAddr: nodeB, namespace: '', clusterName: `conformance-b-${run}`, cacheDir: path.join(cacheRoot, 'b'), requestTimeout: 5000, ...credentials,
  });
  await configB.ready();
  clients.push(configA, configB);

  await step('publish', async () => {
    const ok = await configA.publishSingle(dataId, group, 'greeting=hello');
    assert(ok === true, `publishSingle answered ${ok}`);
  });

  await step('get', async () => {
    const content = await configB.getConfig(dataId, group);
    assert(content === 'greeting=hello', `node B served ${JSON.stringify(content)}`);
  });

  await step('listen', async () => {
    let seen = null;
    configB.subscribe({ dataId, group }, content => { seen = content; });
    await until('the listener to see the first content', () => seen === 'greeting=hello');
    await sleep(300);
    await configA.publishSingle(dataId, group, 'greeting=changed');
    await until('the listener to see the change', () => seen === 'greeting=changed', 40000);
    configB.unSubscribe({ dataId, group });
  });

  await step('remove', async () => {
    const ok = await configA.remove(dataId, group);
    assert(ok === true, `remove answered ${ok}`);
    const content = await configB.getConfig(dataId, group);
    assert(content === null || content === undefined || content === '', `node B still serves ${JSON.stringify(content)}`);
  });

  for (const client of clients) {
    try { await client.close(); } catch (_) { /* closing is best effort */ }
  }
}

const watchdog = setTimeout(() => {
  console.log('fail timeout: the suite took longer than 120 s');
  process.exit(3);
}, 120000);

main().then(() => {
  clearTimeout(watchdog);
  console.log('ok all');
  fs.rmSync(cacheRoot, { recursive: true, force: true });
  process.exit(0);
}, () => {
  clearTimeout(watchdog);
  fs.rmSync(cacheRoot, { recursive: true, force: true });
  process.exit(1);
});
