/**
 * docker-compose.yml and the files under otel/ refer to each other by path, host, port and uid;
 * there is no Docker engine here to try them, so this test checks every such reference instead:
 * mounted files exist, dependencies and endpoints name real services on ports those services
 * listen on, data source uids used by the dashboard are provisioned, metric names in the
 * dashboard are ones the apps export, and no secret is committed.
 */
import { DataPointType, MeterProvider, type MetricData } from '@opentelemetry/sdk-metrics';
import { PROVIDER_IDS } from '@byok/providers';
import { createGatewayMetrics, observeQueueDepth } from '@byok/telemetry';
import { describe, expect, it } from 'vitest';
import { startMockProviders } from '@byok/mock-providers';
import { TestMetricReader } from './support/metric-reader.js';
import {
  asArray,
  asRecord,
  asString,
  envExampleEntries,
  exists,
  hostPort,
  interpolatedVariables,
  listDir,
  listenPort,
  optionalRecord,
  prometheusNames,
  readJson,
  readText,
  readYaml,
} from './support/stack-files.js';

const compose = readYaml('docker-compose.yml');
const services = asRecord(compose.services, 'services');
const serviceNames = Object.keys(services);
const service = (name: string) => asRecord(services[name], `services.${name}`);
const collector = readYaml('otel/collector/otel-collector.yaml');
const tempo = readYaml('otel/tempo/tempo.yaml');
const prometheus = readYaml('otel/prometheus/prometheus.yaml');
const datasources = asArray(readYaml('otel/grafana/provisioning/datasources/datasources.yaml').datasources, 'datasources').map((d, i) => asRecord(d, `datasources[${i}]`));
const dashboardProviders = asArray(readYaml('otel/grafana/provisioning/dashboards/dashboards.yaml').providers, 'providers').map((p, i) => asRecord(p, `providers[${i}]`));
const dockerfile = readText('Dockerfile');

const APPS = ['api', 'proxy', 'worker', 'usage-consumer'] as const;
const environmentOf = (name: string) => optionalRecord(service(name).environment, `${name}.environment`);
const envValue = (name: string, variable: string) => asString(environmentOf(name)[variable], `${name}.environment.${variable}`);

/** The ports each backend listens on inside the network, read from its own config. */
function listeningPorts(): Map<string, Set<number>> {
  const receivers = asRecord(asRecord(asRecord(collector.receivers, 'receivers').otlp, 'otlp').protocols, 'protocols');
  const exporters = asRecord(collector.exporters, 'exporters');
  const tempoOtlp = asRecord(asRecord(asRecord(asRecord(tempo.distributor, 'distributor').receivers, 'receivers').otlp, 'otlp').protocols, 'protocols');
  return new Map<string, Set<number>>([
    ['otel-collector', new Set([...Object.values(receivers).map((p) => listenPort(asString(asRecord(p, 'protocol').endpoint, 'endpoint'))), listenPort(asString(asRecord(exporters.prometheus, 'prometheus').endpoint, 'endpoint'))])],
    ['tempo', new Set([Number(asRecord(tempo.server, 'server').http_listen_port), ...Object.values(tempoOtlp).map((p) => listenPort(asString(asRecord(p, 'protocol').endpoint, 'endpoint')))])],
    ['prometheus', new Set([9090])],
    ['grafana', new Set([3000])],
    ['postgres', new Set([5432])],
    ['redis', new Set([6379])],
    ['api', new Set([Number(envValue('api', 'PORT'))])],
    ['proxy', new Set([Number(envValue('proxy', 'PROXY_PORT'))])],
    ['mock-providers', new Set([Number(envValue('mock-providers', 'PORT'))])],
  ]);
}

function expectReachable(address: string, where: string): void {
  const { host, port } = hostPort(address);
  expect(serviceNames, `${where}: ${host} is not a compose service`).toContain(host);
  expect([...(listeningPorts().get(host) ?? [])], `${where}: ${host} does not listen on ${port}`).toContain(port);
}

describe('docker-compose.yml', () => {
  it('runs the stores, the telemetry backends, the four apps, migrations and the offline mock', () => {
    for (const name of ['postgres', 'redis', 'otel-collector', 'tempo', 'prometheus', 'grafana', 'migrate', ...APPS, 'mock-providers']) expect(serviceNames).toContain(name);
    expect(service('mock-providers').profiles).toEqual(['offline']);
    // BullMQ needs a Redis that never evicts; the AOF keeps accepted jobs across restarts.
    expect(asArray(service('redis').command, 'redis.command').join(' ')).toMatch(/--maxmemory-policy noeviction --appendonly yes/);
  });

  it('every dependency is a service, and waits for a health check that exists or a one-shot that completes', () => {
    for (const name of serviceNames) {
      for (const [dependency, spec] of Object.entries(optionalRecord(service(name).depends_on, `${name}.depends_on`))) {
        expect(serviceNames, `${name} depends on ${dependency}`).toContain(dependency);
        const condition = asRecord(spec, `${name}.depends_on.${dependency}`).condition;
        if (condition === 'service_healthy') expect(service(dependency).healthcheck, `${dependency} has no health check`).toBeDefined();
        if (condition === 'service_completed_successfully') expect(service(dependency).restart).toBe('no');
      }
    }
  });

  it('every bind-mounted file exists, and every named volume is declared', () => {
    const declared = Object.keys(optionalRecord(compose.volumes, 'volumes'));
    for (const name of serviceNames) {
      for (const volume of asArray(service(name).volumes ?? [], `${name}.volumes`)) {
        const [source = ''] = asString(volume, `${name}.volumes`).split(':');
        if (source.startsWith('./')) expect(exists(source), `${name} mounts ${source}`).toBe(true);
        else expect(declared, `${name} uses volume ${source}`).toContain(source);
      }
    }
  });

  it('the apps run their entry files through the image entrypoint that starts telemetry first', () => {
    const entrypoint = /ENTRYPOINT \["node", "--import", "tsx", "--conditions=@byok\/source", "--import", "(\.\/libs\/telemetry\/src\/instrument\.ts)"\]/.exec(dockerfile);
    expect(entrypoint?.[1]).toBeDefined();
    expect(exists(entrypoint?.[1] ?? '')).toBe(true);
    for (const name of [...APPS, 'migrate']) {
      const [file] = asArray(service(name).command, `${name}.command`).map((c) => asString(c, `${name}.command`));
      expect(exists(file ?? ''), `${name} runs ${file}`).toBe(true);
      expect(asRecord(service(name).build, `${name}.build`).target).toBe('runtime');
    }
    for (const target of new Set(serviceNames.map((n) => optionalRecord(service(n).build, 'build').target).filter((t) => t !== undefined))) {
      expect(dockerfile).toMatch(new RegExp(`^FROM \\S+ AS ${String(target)}$`, 'm'));
    }
  });

  it('apps restart, stop gracefully and have health checks where they serve HTTP', () => {
    for (const name of APPS) {
      expect(service(name).restart).toBe('unless-stopped');
      expect(service(name).init).toBe(true);
    }
    for (const name of ['postgres', 'redis', 'api', 'proxy', 'worker', 'usage-consumer', 'prometheus', 'grafana', 'mock-providers']) expect(service(name).healthcheck, name).toBeDefined();
    expect(asArray(asRecord(service('api').healthcheck, 'api.healthcheck').test, 'test').join(' ')).toContain(`127.0.0.1:${envValue('api', 'PORT')}/readyz`);
    expect(asArray(asRecord(service('proxy').healthcheck, 'proxy.healthcheck').test, 'test').join(' ')).toContain(`127.0.0.1:${envValue('proxy', 'PROXY_PORT')}/readyz`);
    for (const name of ['worker', 'usage-consumer']) {
      expect(asArray(asRecord(service(name).healthcheck, `${name}.healthcheck`).test, 'test').join(' ')).toContain(`127.0.0.1:${envValue(name, 'HEALTH_PORT')}/readyz`);
    }
  });

  it('the proxy keeps its usage spool on a volume, so a restarted container replays what the last one left', () => {
    expect(asArray(service('proxy').volumes, 'proxy.volumes')).toContain(`proxy-usage-spool:${envValue('proxy', 'PROXY_USAGE_SPOOL_DIR')}`);
  });

  // Issue #20 item 1: Tempo's health check ran wget and its init step chown, in an image that
  // ships neither (distroless: the tempo binary and CA certificates only).
  it('runs no command in the distroless images (Tempo, the collector) that they do not ship', () => {
    const distroless = ['grafana/tempo:', 'otel/opentelemetry-collector-contrib:'];
    for (const [name, definition] of Object.entries(services)) {
      const spec = asRecord(definition, name);
      if (!distroless.some((prefix) => String(spec.image).startsWith(prefix))) continue;
      expect(spec.healthcheck, `${name} health check`).toBeUndefined();
      expect(spec.entrypoint, `${name} entrypoint`).toBeUndefined();
    }
    const init = service('tempo-init');
    expect(String(init.image)).toMatch(/^busybox:\d/);
    expect(asArray(init.entrypoint, 'entrypoint')[0]).toBe('chown');
    expect(asArray(init.volumes, 'volumes')).toContain('tempo-data:/var/tempo');
  });

  it('apps export to the collector over OTLP/HTTP, each under its own service name', () => {
    const names = new Set<string>();
    for (const name of APPS) {
      expectReachable(envValue(name, 'OTEL_EXPORTER_OTLP_ENDPOINT'), `${name} OTLP endpoint`);
      expect(envValue(name, 'OTEL_EXPORTER_OTLP_PROTOCOL')).toBe('http/protobuf');
      expect(hostPort(envValue(name, 'OTEL_EXPORTER_OTLP_ENDPOINT')).port).toBe(4318);
      names.add(envValue(name, 'OTEL_SERVICE_NAME'));
      // The password is a `${POSTGRES_PASSWORD:?…}` interpolation, so read host and port around it.
      expect(/@([^:/]+):(\d+)\/byok$/.exec(envValue(name, 'DATABASE_URL'))?.slice(1)).toEqual(['postgres', '5432']);
      expectReachable(envValue(name, 'REDIS_URL'), `${name} REDIS_URL`);
    }
    expect([...names].sort()).toEqual(['byok-api', 'byok-proxy', 'byok-usage-consumer', 'byok-worker']);
  });

  it('offline mode points every provider at the mock, on the paths the mock serves', async () => {
    const example = envExampleEntries(readText('.env.example'));
    const mockUrl = example.get('MOCK_PROVIDERS_URL')?.value ?? '';
    expectReachable(mockUrl, 'MOCK_PROVIDERS_URL');
    const mock = await startMockProviders();
    try {
      for (const app of APPS) {
        for (const id of PROVIDER_IDS) {
          const template = envValue(app, `PROVIDER_${id.toUpperCase()}_BASE_URL`);
          // `${MOCK_PROVIDERS_URL:-}${MOCK_PROVIDERS_URL:+/path}`: the mock's URL plus the provider's path, or empty.
          const path = /^\$\{MOCK_PROVIDERS_URL:-\}\$\{MOCK_PROVIDERS_URL:\+([^}]*)\}$/.exec(template)?.[1];
          expect(path, `${app} PROVIDER_${id.toUpperCase()}_BASE_URL`).toBe(new URL(mock.baseUrls[id]).pathname);
        }
      }
    } finally {
      await mock.close();
    }
  });

  it('secrets come from .env: required there, empty in .env.example, never literal here', () => {
    const text = readText('docker-compose.yml');
    const variables = interpolatedVariables(text);
    const example = envExampleEntries(readText('.env.example'));
    for (const [name, { required }] of variables) {
      expect(example.has(name), `${name} is not in .env.example`).toBe(true);
      if (required) expect(example.get(name), `${name} must be an empty, active entry`).toEqual({ value: '', commented: false });
    }
    for (const secret of ['BYOK_ENCRYPTION_KEYS', 'AUTH_JWT_SECRET', 'POSTGRES_PASSWORD', 'GRAFANA_ADMIN_PASSWORD']) expect(variables.get(secret)?.required, secret).toBe(true);
    for (const name of APPS) {
      expect(envValue(name, 'BYOK_ENCRYPTION_KEYS')).toMatch(/^\$\{BYOK_ENCRYPTION_KEYS:\?/);
      expect(envValue(name, 'AUTH_JWT_SECRET')).toMatch(/^\$\{AUTH_JWT_SECRET:\?/);
    }
    // No Fernet key, JWT or provider key shape anywhere in the committed files.
    for (const file of ['docker-compose.yml', '.env.example', 'Dockerfile']) expect(readText(file)).not.toMatch(/[A-Za-z0-9_-]{43}=|eyJ[A-Za-z0-9_-]{10,}\.|sk-[A-Za-z0-9]{20,}/);
    expect(readText('.dockerignore').split('\n')).toEqual(expect.arrayContaining(['.env', '.env.*', '!.env.example']));
  });
});

describe('otel/ configs', () => {
  it('collector pipelines use only defined components, and export to Tempo and a port Prometheus scrapes', () => {
    const pipelines = asRecord(asRecord(collector.service, 'service').pipelines, 'pipelines');
    expect(Object.keys(pipelines).sort()).toEqual(['metrics', 'traces']);
    for (const [name, pipeline] of Object.entries(pipelines)) {
      for (const kind of ['receivers', 'processors', 'exporters'] as const) {
        for (const component of asArray(asRecord(pipeline, name)[kind], `${name}.${kind}`)) expect(Object.keys(asRecord(collector[kind], kind)), `${name} uses ${String(component)}`).toContain(component);
      }
    }
    const exporters = asRecord(collector.exporters, 'exporters');
    expectReachable(asString(asRecord(exporters['otlp/tempo'], 'otlp/tempo').endpoint, 'endpoint'), 'collector → tempo');
    const scrapeTargets = asArray(prometheus.scrape_configs, 'scrape_configs').flatMap((c) => asArray(asRecord(c, 'scrape').static_configs, 'static_configs').flatMap((s) => asArray(asRecord(s, 'static').targets, 'targets')));
    expect(scrapeTargets).toContain(`otel-collector:${listenPort(asString(asRecord(exporters.prometheus, 'prometheus').endpoint, 'endpoint'))}`);
    expect(asArray(service('otel-collector').volumes, 'volumes')).toContain('./otel/collector/otel-collector.yaml:/etc/otelcol-contrib/config.yaml:ro');
  });

  it('Prometheus scrapes reachable targets and accepts the exemplars Tempo remote-writes', () => {
    for (const config of asArray(prometheus.scrape_configs, 'scrape_configs')) {
      for (const target of asArray(asRecord(asArray(asRecord(config, 'scrape').static_configs, 'static')[0], 'static').targets, 'targets')) {
        const address = asString(target, 'target');
        if (!address.startsWith('localhost:')) expectReachable(address, `scrape ${address}`);
      }
    }
    const remoteWrite = asArray(asRecord(asRecord(tempo.metrics_generator, 'metrics_generator').storage, 'storage').remote_write, 'remote_write').map((r) => asRecord(r, 'remote_write'));
    for (const target of remoteWrite) {
      expectReachable(asString(target.url, 'url'), 'tempo remote_write');
      expect(target.send_exemplars).toBe(true);
    }
    const flags = asArray(service('prometheus').command, 'prometheus.command');
    expect(flags).toEqual(expect.arrayContaining(['--web.enable-remote-write-receiver', '--enable-feature=exemplar-storage', '--config.file=/etc/prometheus/prometheus.yaml']));
    expect(asArray(service('prometheus').volumes, 'volumes')).toContain('./otel/prometheus/prometheus.yaml:/etc/prometheus/prometheus.yaml:ro');
    expect(asArray(service('tempo').command, 'tempo.command')).toContain('-config.file=/etc/tempo/tempo.yaml');
    expect(asArray(service('tempo').volumes, 'volumes')).toContain('./otel/tempo/tempo.yaml:/etc/tempo/tempo.yaml:ro');
  });

  it('Grafana data sources point at reachable services and at each other by provisioned uid', () => {
    const uids = datasources.map((d) => asString(d.uid, 'uid'));
    expect(uids.sort()).toEqual(['prometheus', 'tempo']);
    for (const source of datasources) expectReachable(asString(source.url, 'url'), `data source ${String(source.uid)}`);
    const linked = JSON.stringify(datasources.map((d) => d.jsonData)).match(/"datasourceUid":"([^"]+)"/g) ?? [];
    expect(linked.length).toBeGreaterThanOrEqual(3);
    for (const ref of linked) expect(uids).toContain(ref.split(':')[1]?.replaceAll('"', ''));
    // Grafana expands $VARS in provisioning files, so a literal `$__tags` must be written `$$__tags`.
    expect(readText('otel/grafana/provisioning/datasources/datasources.yaml')).not.toMatch(/(?<!\$)\$__/);
  });

  it('the dashboard provider reads the folder the dashboards are mounted at', () => {
    const mounts = asArray(service('grafana').volumes, 'grafana.volumes').map((v) => asString(v, 'volume').split(':'));
    const dashboardsMount = mounts.find(([source]) => source === './otel/grafana/dashboards');
    const providerPath = asString(asRecord(dashboardProviders[0]?.options, 'options').path, 'path');
    expect(dashboardsMount?.[1]).toBe(providerPath);
    expect(mounts.map(([, target]) => target)).toEqual(expect.arrayContaining(['/etc/grafana/provisioning/datasources', '/etc/grafana/provisioning/dashboards']));
    expect(listDir('otel/grafana/dashboards')).toContain('byok-gateway.json');
    expect(envValue('grafana', 'GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH')).toBe(`${providerPath}/byok-gateway.json`);
  });
});

describe('the Grafana dashboard', () => {
  const dashboard = readJson('otel/grafana/dashboards/byok-gateway.json');
  const panels = asArray(dashboard.panels, 'panels').map((p, i) => asRecord(p, `panels[${i}]`));
  const dataPanels = panels.filter((p) => p.type !== 'row');
  const uids = datasources.map((d) => asString(d.uid, 'uid'));
  const exprs = dataPanels.flatMap((p) => asArray(p.targets, 'targets').map((t) => asRecord(t, 'target').expr)).filter((e): e is string => typeof e === 'string');

  it('every panel and query uses a provisioned data source', () => {
    for (const panel of dataPanels) {
      expect(uids, String(panel.title)).toContain(asRecord(panel.datasource, 'datasource').uid);
      for (const target of asArray(panel.targets, 'targets')) expect(uids, String(panel.title)).toContain(asRecord(asRecord(target, 'target').datasource, 'datasource').uid);
    }
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('covers adoption, proxy latency, upstream errors, key tests, queues and credits, with trace links', () => {
    const titles = dataPanels.map((p) => String(p.title)).join('\n');
    for (const topic of [/BYOK share/, /BYOK adoption/, /Proxy latency p50 \/ p99 by provider/, /Upstream errors/, /Key-test outcomes/, /Queue depth/, /Credits consumed/]) expect(titles).toMatch(topic);
    // Exemplars (dots linking to traces), data links into Tempo, and Tempo trace tables.
    expect(dataPanels.some((p) => asArray(p.targets, 'targets').some((t) => asRecord(t, 'target').exemplar === true))).toBe(true);
    const links = dataPanels.flatMap((p) => asArray(asRecord(asRecord(p.fieldConfig, 'fieldConfig').defaults, 'defaults').links ?? [], 'links'));
    expect(links.length).toBeGreaterThanOrEqual(3);
    for (const link of links) {
      const url = asString(asRecord(link, 'link').url, 'url').replace(/\$\{[^}]+\}/g, 'x');
      const panes = JSON.parse(new URL(url, 'http://grafana').searchParams.get('panes') ?? '{}') as Record<string, { datasource?: string }>;
      expect(Object.values(panes)[0]?.datasource).toBe('tempo');
    }
    expect(dataPanels.filter((p) => asRecord(p.datasource, 'datasource').uid === 'tempo').length).toBeGreaterThanOrEqual(2);
  });

  it('queries only metrics the apps, the HTTP instrumentation and Tempo actually produce, under the services compose names', async () => {
    const reader = new TestMetricReader();
    const meter = new MeterProvider({ readers: [reader] }).getMeter('dashboard-check');
    const metrics = createGatewayMetrics(meter);
    metrics.recordProxyRequest({ provider: 'openai', credentialSource: 'system', outcome: 'success', stream: false, durationMs: 1, ttfbMs: 1 });
    metrics.recordUsage({ provider: 'openai', credentialSource: 'system', promptTokens: 1, completionTokens: 1, creditsMicro: 1 });
    metrics.recordKeyTest({ provider: 'openai', outcome: 'valid' });
    metrics.recordJobWait({ queue: 'key-tests', waitMs: 1 });
    metrics.recordJobFailure({ queue: 'key-tests', final: true });
    observeQueueDepth([{ name: 'key-tests', getJobCounts: async () => ({ waiting: 1 }) }], meter);
    const { resourceMetrics } = await reader.collect();
    const typeOf = (m: MetricData) => (m.dataPointType === DataPointType.HISTOGRAM ? 'histogram' : m.dataPointType === DataPointType.SUM && m.isMonotonic ? 'counter' : 'gauge');
    const known = new Set([
      ...resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.flatMap((m) => prometheusNames({ name: m.descriptor.name, unit: m.descriptor.unit, type: typeOf(m) }))),
      // The HTTP server instrumentation (a service's own requests, which this reader does not see), and Tempo's span metrics.
      ...prometheusNames({ name: 'http.server.request.duration', unit: 's', type: 'histogram' }),
      'traces_spanmetrics_latency_bucket',
      'traces_spanmetrics_calls_total',
    ]);
    // Metric names are the identifiers followed by a selector or a range; label names are not.
    const used = new Set(exprs.flatMap((e) => e.match(/\b(?:gateway|http|traces)_[a-z0-9_]+(?=\{|\[)/g) ?? []));
    expect(used.size).toBeGreaterThan(8);
    for (const name of used) expect(known, `dashboard queries ${name}`).toContain(name);

    const serviceNamesInCompose = new Set(APPS.map((a) => envValue(a, 'OTEL_SERVICE_NAME')));
    for (const match of exprs.join('\n').matchAll(/(?:job|service)="([^"]+)"/g)) expect(serviceNamesInCompose).toContain(match[1]);
    // Tempo turns the proxy's span attributes into the labels the exemplar panel groups by.
    const dimensions = asArray(asRecord(asRecord(asRecord(tempo.metrics_generator, 'metrics_generator').processor, 'processor').span_metrics, 'span_metrics').dimensions, 'dimensions');
    for (const label of new Set(exprs.join('\n').match(/gateway_[a-z_]+(?=[!=~])/g) ?? [])) expect(dimensions.map((d) => String(d).replaceAll('.', '_'))).toContain(label);
  });
});

describe('Dockerfile', () => {
  it('adds tsx and esbuild at the versions the lockfile pins, and keeps .env out of the build context', () => {
    const lock = asRecord(JSON.parse(readText('package-lock.json')) as unknown, 'lock');
    const packages = asRecord(lock.packages, 'packages');
    const version = (name: string) => asString(asRecord(packages[`node_modules/${name}`], name).version, name);
    expect(dockerfile).toContain(`tsx@${version('tsx')} esbuild@${version('esbuild')}`);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^USER node$/m);
    const ignored = readText('.dockerignore').split('\n');
    for (const copied of ['libs', 'apps', 'package.json', 'package-lock.json', '.npmrc', 'tsconfig.base.json', 'tsconfig.json']) expect(ignored).not.toContain(copied);
    // The suites stay out; the mock providers' program comes in with apps/.
    expect(ignored).toContain('test');
  });
});
