// Offline checks of rendered Kubernetes manifests (no API server can run here):
//   1. every object against its OpenAPI schema (kubernetes-models, with the Prometheus
//      operator's kinds), which checks types and enums but lets unknown fields through;
//   2. unknown fields (a misspelled `resoruces:`), by walking the attribute lists of the
//      Kubernetes client's models, and for the operator's kinds their type declarations;
//   3. what makes the scorer work: selectors match the pods, probes use declared ports, images
//      are pinned, every container is bounded and locked down, the HPA and PDB target the
//      Deployment, Prometheus may scrape and its job is the one the rules select, the drain fits
//      the grace period, the PrometheusRule is the project's rules file, and with the Redis
//      card-history component the scorers' address and password lead to Redis.
//
//   node check-manifests.mjs --rules resources/prometheus/rules.yml rendered.yaml...
// Prints one line per problem, naming the file, the object and the field; exits 1 if any.
import { readFileSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { parseAllDocuments, parse } from "yaml";

const require = createRequire(import.meta.url);
const problems = [];
const problem = (where, text) => problems.push(`${where}: ${text}`);

// ---- 1. schemas ------------------------------------------------------------------------------
const modelModules = {
  "v1/ConfigMap": "kubernetes-models/v1/ConfigMap",
  "v1/Secret": "kubernetes-models/v1/Secret",
  "v1/Service": "kubernetes-models/v1/Service",
  "v1/PersistentVolumeClaim": "kubernetes-models/v1/PersistentVolumeClaim",
  "apps/v1/Deployment": "kubernetes-models/apps/v1/Deployment",
  "apps/v1/StatefulSet": "kubernetes-models/apps/v1/StatefulSet",
  "autoscaling/v2/HorizontalPodAutoscaler": "kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler",
  "policy/v1/PodDisruptionBudget": "kubernetes-models/policy/v1/PodDisruptionBudget",
  "networking.k8s.io/v1/NetworkPolicy": "kubernetes-models/networking.k8s.io/v1/NetworkPolicy",
  "monitoring.coreos.com/v1/ServiceMonitor":
    "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor",
  "monitoring.coreos.com/v1/PrometheusRule":
    "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule",
};

async function checkSchema(where, obj) {
  const key = `${obj.apiVersion}/${obj.kind}`;
  const module = modelModules[key];
  if (!module) {
    problem(where, `no schema known for ${key}`);
    return;
  }
  const Model = (await import(module))[obj.kind];
  try {
    new Model(obj).validate();
  } catch (e) {
    for (const error of e.errors ?? [e]) {
      problem(where, `schema: ${error.instancePath ?? ""} ${error.message ?? e.message}`.trim());
    }
  }
}

// ---- 2. unknown fields -----------------------------------------------------------------------
const clientModels = path.dirname(
  require.resolve("@kubernetes/client-node/dist/gen/models/ObjectSerializer.js"));
const clientTypes = {
  "v1/ConfigMap": "V1ConfigMap",
  "v1/Secret": "V1Secret",
  "v1/Service": "V1Service",
  "v1/PersistentVolumeClaim": "V1PersistentVolumeClaim",
  "apps/v1/Deployment": "V1Deployment",
  "apps/v1/StatefulSet": "V1StatefulSet",
  "autoscaling/v2/HorizontalPodAutoscaler": "V2HorizontalPodAutoscaler",
  "policy/v1/PodDisruptionBudget": "V1PodDisruptionBudget",
  "networking.k8s.io/v1/NetworkPolicy": "V1NetworkPolicy",
};
const clientAttributes = new Map();
async function attributesOf(type) {
  if (!clientAttributes.has(type)) {
    const file = path.join(clientModels, `${type}.js`);
    let attributes = null;
    try {
      const cls = (await import(file))[type];
      if (cls?.getAttributeTypeMap)
        attributes = new Map(cls.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
    } catch {
      attributes = null;  // an enum or a scalar alias: no fields
    }
    clientAttributes.set(type, attributes);
  }
  return clientAttributes.get(type);
}

async function walkClient(where, value, type, at) {
  if (value === null || value === undefined) return;
  const array = /^Array<(.+)>$/.exec(type);
  if (array) {
    if (Array.isArray(value))
      for (const [i, v] of value.entries()) await walkClient(where, v, array[1], `${at}[${i}]`);
    return;
  }
  if (typeof value !== "object" || Array.isArray(value)) return;
  const attributes = await attributesOf(type);
  if (!attributes) return;  // maps, IntOrString, Quantity, free-form objects
  for (const [field, v] of Object.entries(value)) {
    if (!attributes.has(field)) problem(where, `unknown field ${at}.${field}`);
    else await walkClient(where, v, attributes.get(field), `${at}.${field}`);
  }
}

// The operator's kinds: fields from the TypeScript declarations of their models.
const operatorDir = path.join(
  path.dirname(require.resolve("@kubernetes-models/prometheus-operator/package.json")),
  "monitoring.coreos.com", "v1");
const declarations = new Map();  // file stem -> Map(field -> type text), plus imports
function declarationOf(stem) {
  if (!declarations.has(stem)) {
    const text = readFileSync(path.join(operatorDir, `${stem}.d.ts`), "utf8");
    const imports = new Map();
    for (const m of text.matchAll(/import \{ (\w+) \} from "\.\/(\w+)\.js";/g)) imports.set(m[1], m[2]);
    const body = /export interface I\w+[^{]*\{\n([\s\S]*?)\n\}/.exec(text);
    const fields = new Map();
    if (body) {
      // A field's type starts on its line: a named type, or `{` of a map (not descended).
      for (const m of body[1].matchAll(/^ {4}"([^"]+)"\??: (.+)$/gm)) fields.set(m[1], m[2]);
    }
    declarations.set(stem, { imports, fields, open: !body || fields.size === 0 });
  }
  return declarations.get(stem);
}

function walkOperator(where, value, stem, at) {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return;
  const d = declarationOf(stem);
  if (d.open) return;
  for (const [field, v] of Object.entries(value)) {
    if (field === "metadata" || field === "apiVersion" || field === "kind") continue;
    const type = d.fields.get(field);
    if (type === undefined) {
      problem(where, `unknown field ${at}.${field}`);
      continue;
    }
    const named = /I\w+/.exec(type)?.[0];
    const next = named && d.imports.get(named);
    if (!next) continue;  // a scalar, a map, or a type from elsewhere
    if (Array.isArray(v)) v.forEach((item, i) => walkOperator(where, item, next, `${at}.${field}[${i}]`));
    else walkOperator(where, v, next, `${at}.${field}`);
  }
}

async function checkFields(where, obj) {
  const key = `${obj.apiVersion}/${obj.kind}`;
  if (clientTypes[key]) await walkClient(where, obj, clientTypes[key], obj.kind);
  else if (obj.apiVersion === "monitoring.coreos.com/v1") walkOperator(where, obj, obj.kind, obj.kind);
}

// ---- 3. what makes the scorer work -------------------------------------------------------------
// JSON with object keys sorted: kustomize re-emits maps in key order.
const canonical = (v) =>
  Array.isArray(v) ? v.map(canonical)
  : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical(v[k])]))
  : v;

const matches = (selector, labels) =>
  selector && Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

function checkSemantics(file, objects, rules) {
  const named = (kind) => objects.filter((o) => o.kind === kind);
  const [deployment] = named("Deployment");
  if (!deployment) {
    problem(file, "no Deployment");
    return;
  }
  const where = (o) => `${file}: ${o.kind}/${o.metadata?.name}`;
  const pod = deployment.spec.template;
  const podLabels = pod.metadata?.labels ?? {};
  if (!matches(deployment.spec.selector?.matchLabels, podLabels))
    problem(where(deployment), "selector does not match the pod template's labels");
  for (const c of pod.spec.topologySpreadConstraints ?? [])
    if (!matches(c.labelSelector?.matchLabels, podLabels))
      problem(where(deployment), `topology spread on ${c.topologyKey} selects other pods`);

  // Containers of every workload (the scorers, and Redis when the card-history component is
  // in): declared ports, probes on them, pinned images, bounds, lockdown; the scorer's drain.
  const workloads = [deployment, ...named("StatefulSet")];
  for (const workload of workloads) {
  const scorer = workload === deployment;
  const template = workload.spec.template;
  const podSecurity = template.spec.securityContext ?? {};
  for (const c of template.spec.containers) {
    const at = `${where(workload)} container ${c.name}`;
    const ports = new Map((c.ports ?? []).map((p) => [p.name, p.containerPort]));
    const declared = new Set([...ports.values()]);
    for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
      const p = c[probe];
      if (!p) {
        problem(at, `no ${probe}`);
        continue;
      }
      if (p.exec) continue;  // the scorer's own `fraud-scorer probe`, for TLS (below)
      const port = p.grpc?.port ?? p.httpGet?.port ?? p.tcpSocket?.port;
      const number = typeof port === "string" ? ports.get(port) : port;
      if (!declared.has(number)) problem(at, `${probe} port ${port} is not a declared container port`);
    }
    if (!/^[^:@]+(:[\w][\w.-]*|@sha256:[0-9a-f]{64})$/.test(c.image.replace(/^[^/]+:\d+\//, "")) ||
        /:latest$/.test(c.image))
      problem(at, `image ${c.image} is not pinned to a version`);
    for (const kind of ["requests", "limits"])
      for (const resource of ["cpu", "memory"])
        if (!c.resources?.[kind]?.[resource]) problem(at, `no ${resource} ${kind}`);
    const s = c.securityContext ?? {};
    if (!(s.runAsNonRoot ?? podSecurity.runAsNonRoot)) problem(at, "may run as root");
    if (s.readOnlyRootFilesystem !== true) problem(at, "root filesystem is writable");
    if (s.allowPrivilegeEscalation !== false) problem(at, "privilege escalation allowed");
    if (!(s.capabilities?.drop ?? []).includes("ALL")) problem(at, "capabilities not all dropped");
    if ((s.seccompProfile ?? podSecurity.seccompProfile)?.type !== "RuntimeDefault")
      problem(at, "no RuntimeDefault seccomp profile");
    for (const ref of c.envFrom ?? [])
      if (ref.configMapRef && !named("ConfigMap").some((m) => m.metadata.name === ref.configMapRef.name))
        problem(at, `envFrom names a ConfigMap not rendered: ${ref.configMapRef.name}`);
    if (!scorer) continue;
    // The drain fits: preStop sleep + FRAUD_SCORER_DRAIN_SECONDS + _SHUTDOWN_GRACE_SECONDS.
    const config = named("ConfigMap").find((m) => (c.envFrom ?? []).some((r) => r.configMapRef?.name === m.metadata.name));
    const sleep = Number(c.lifecycle?.preStop?.exec?.command?.at(-1) ?? NaN);
    const drain = Number(config?.data?.FRAUD_SCORER_DRAIN_SECONDS ?? 5);
    const grace = Number(config?.data?.FRAUD_SCORER_SHUTDOWN_GRACE_SECONDS ?? 10);
    // gRPC beyond loopback: TLS (certificate and key mounted), or plain text said explicitly.
    const env = new Map(Object.entries(config?.data ?? {}));
    for (const e of c.env ?? []) if (e.value !== undefined) env.set(e.name, e.value);
    const listen = env.get("FRAUD_SCORER_LISTEN") ?? "127.0.0.1:50051";
    const tls = env.has("FRAUD_SCORER_TLS_CERT") && env.has("FRAUD_SCORER_TLS_KEY");
    const local = /^(127\.|localhost:|\[::1\]:|unix:)/.test(listen);
    if (!local && !tls && !["1", "true"].includes(env.get("FRAUD_SCORER_INSECURE")))
      problem(at, `listens on ${listen} without TLS (FRAUD_SCORER_TLS_CERT/_KEY) or FRAUD_SCORER_INSECURE=1: the scorer refuses to start`);
    if (tls) {
      const mounts = Array.isArray(c.volumeMounts) ? c.volumeMounts : [];
      for (const name of ["FRAUD_SCORER_TLS_CERT", "FRAUD_SCORER_TLS_KEY", "FRAUD_SCORER_PROBE_TLS_CA"]) {
        const path = env.get(name) ?? "";
        if (!mounts.some((m) => path.startsWith(m.mountPath + "/")))
          problem(at, `${name} ${path || "(unset)"} is not on a mounted volume`);
      }
      for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"])
        if (c[probe]?.grpc) problem(at, `${probe} is a native gRPC probe, which cannot speak TLS`);
    }
    if (!c.lifecycle?.preStop) problem(at, "no preStop hook");
    else if (!(sleep + drain + grace < (template.spec.terminationGracePeriodSeconds ?? 30)))
      problem(at, `preStop ${sleep} s + drain ${drain} s + grace ${grace} s do not fit in terminationGracePeriodSeconds`);
  }
  }
  const portNames = new Set(pod.spec.containers.flatMap((c) => (c.ports ?? []).map((p) => p.name)));

  // Services select the pods and target declared ports; card history's select Redis's pods.
  const cardHistory = named("StatefulSet").find((w) => w.metadata.name === "fraud-card-history");
  const selectsCardHistory = (selector) =>
    cardHistory && matches(selector, cardHistory.spec.template.metadata?.labels ?? {});
  for (const s of named("Service")) {
    if (selectsCardHistory(s.spec.selector)) continue;
    if (!matches(s.spec.selector, podLabels)) problem(where(s), "selector matches no scorer pod");
    for (const p of s.spec.ports ?? [])
      if (typeof p.targetPort === "string" && !portNames.has(p.targetPort))
        problem(where(s), `targetPort ${p.targetPort} is not a container port name`);
  }
  if (!named("Service").some((s) => s.spec.clusterIP === "None"))
    problem(file, "no headless Service: clients cannot reach each replica");

  // HPA and PDB.
  for (const h of named("HorizontalPodAutoscaler")) {
    const t = h.spec.scaleTargetRef;
    if (t.kind !== "Deployment" || t.name !== deployment.metadata.name)
      problem(where(h), `scales ${t.kind}/${t.name}, not the Deployment`);
    if (!h.spec.metrics?.some((m) => m.resource?.name === "cpu")) problem(where(h), "no CPU metric");
    if (!h.spec.metrics?.some((m) => m.pods?.metric?.name === "fraud_scorer_scores_per_second"))
      problem(where(h), "no scores-per-second metric");
  }
  if (named("HorizontalPodAutoscaler").length !== 1) problem(file, "expected one HorizontalPodAutoscaler");
  for (const b of named("PodDisruptionBudget"))
    if (!matches(b.spec.selector?.matchLabels, podLabels)) problem(where(b), "selects no scorer pod");
  if (named("PodDisruptionBudget").length !== 1) problem(file, "expected one PodDisruptionBudget");

  // Monitoring: one Service scraped, under the job the rules select, and Prometheus admitted.
  const jobs = new Set([...JSON.stringify(rules).matchAll(/job=\\?"([^"\\]+)\\?"/g)].map((m) => m[1]));
  for (const m of named("ServiceMonitor")) {
    const scraped = named("Service").filter((s) => matches(m.spec.selector?.matchLabels, s.metadata.labels));
    if (scraped.length !== 1)
      problem(where(m), `selects ${scraped.length} Services (each pod must be scraped once)`);
    const job = m.spec.jobLabel ? scraped[0]?.metadata.labels?.[m.spec.jobLabel] : scraped[0]?.metadata.name;
    if (!jobs.has(job) || jobs.size !== 1)
      problem(where(m), `scrapes under job "${job}"; the rules select ${[...jobs].join(", ")}`);
    for (const e of m.spec.endpoints ?? []) {
      const servicePort = scraped[0]?.spec.ports.find((p) => p.name === e.port);
      if (!servicePort) problem(where(m), `endpoint port ${e.port} is not a port of the Service`);
      if (!(e.relabelings ?? []).some((r) => r.targetLabel === "replica"))
        problem(where(m), "no `replica` label (the alerts and the console use it)");
    }
  }
  if (named("ServiceMonitor").length !== 1) problem(file, "expected one ServiceMonitor");
  const policies = named("NetworkPolicy");
  if (policies.length === 0) problem(file, "no NetworkPolicy");
  for (const n of policies) {
    if (selectsCardHistory(n.spec.podSelector?.matchLabels)) {
      const admitsScorers = (n.spec.ingress ?? []).some((rule) =>
        (rule.from ?? []).some((peer) => matches(peer.podSelector?.matchLabels, podLabels)));
      if (!admitsScorers) problem(where(n), "does not admit the scorers to Redis");
      if ((n.spec.ingress ?? []).some((rule) => !rule.from || rule.from.length === 0))
        problem(where(n), "an ingress rule admits every source");
      continue;
    }
    if (!matches(n.spec.podSelector?.matchLabels, podLabels)) problem(where(n), "selects no scorer pod");
    const admitsPrometheus = (n.spec.ingress ?? []).some(
      (rule) => (rule.from ?? []).some((peer) => peer.podSelector?.matchLabels?.["app.kubernetes.io/name"] === "prometheus") &&
        (rule.ports ?? []).some((p) => p.port === "metrics" || p.port === 9464));
    if (!admitsPrometheus) problem(where(n), "does not admit Prometheus to the metrics port");
    const open = (n.spec.ingress ?? []).some((rule) => !rule.from || rule.from.length === 0);
    if (open) problem(where(n), "an ingress rule admits every source");
  }
  // Card history in Redis: the scorers' address names a Service of Redis's pods and a port it
  // has, and their password comes from the Secret Redis requires.
  if (cardHistory) {
    const scorerEnv = new Map(deployment.spec.template.spec.containers[0].env?.map((e) => [e.name, e]) ?? []);
    const address = scorerEnv.get("FRAUD_SCORER_REDIS")?.value ?? "";
    const [host, port] = address.split(":");
    const service = named("Service").find((s) => s.metadata.name === host);
    if (!service || !selectsCardHistory(service.spec.selector))
      problem(where(deployment), `FRAUD_SCORER_REDIS ${address} names no Service of Redis's pods`);
    else if (!(service.spec.ports ?? []).some((p) => String(p.port) === port))
      problem(where(deployment), `FRAUD_SCORER_REDIS port ${port} is not a port of Service ${host}`);
    const redisEnv = cardHistory.spec.template.spec.containers[0].env ?? [];
    const secretOf = (e) => e?.valueFrom?.secretKeyRef && `${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`;
    const wanted = secretOf(redisEnv.find((e) => e.name === "REDIS_PASSWORD"));
    if (!wanted || secretOf(scorerEnv.get("FRAUD_SCORER_REDIS_PASSWORD")) !== wanted)
      problem(where(deployment), `FRAUD_SCORER_REDIS_PASSWORD is not from ${wanted ?? "Redis's Secret"}`);
  }

  const rulesObjects = named("PrometheusRule");
  if (rulesObjects.length !== 1) problem(file, "expected one PrometheusRule");
  for (const r of rulesObjects)
    if (JSON.stringify(canonical(r.spec)) !== JSON.stringify(canonical(rules)))
      problem(where(r), "spec differs from resources/prometheus/rules.yml");
  for (const claim of named("PersistentVolumeClaim"))
    if (!claim.spec.accessModes?.includes("ReadWriteMany"))
      problem(where(claim), "the registry must be ReadWriteMany (every replica mounts it)");
}

// ---- main --------------------------------------------------------------------------------------
const args = process.argv.slice(2);
const rulesAt = args.indexOf("--rules");
if (rulesAt < 0 || args.length < rulesAt + 3) {
  console.error("usage: node check-manifests.mjs --rules RULES.yml RENDERED.yaml...");
  process.exit(2);
}
const rules = parse(readFileSync(args[rulesAt + 1], "utf8"));
const files = args.filter((_, i) => i !== rulesAt && i !== rulesAt + 1);
for (const file of files) {
  const objects = [];
  for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
    if (doc.errors.length) problem(file, `YAML: ${doc.errors[0].message}`);
    const obj = doc.toJS();
    if (obj) objects.push(obj);
  }
  for (const obj of objects) {
    const where = `${file}: ${obj.kind}/${obj.metadata?.name}`;
    await checkSchema(where, obj);
    await checkFields(where, obj);
  }
  checkSemantics(file, objects, rules);
  console.log(`${file}: ${objects.length} objects checked`);
}
for (const p of problems) console.log(`PROBLEM ${p}`);
process.exit(problems.length ? 1 : 0);
