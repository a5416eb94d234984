"""The Helm chart charts/codearena: lint, render, schema-validate and policy-check every values
file in tests/helm/values/, and check the chart against the project it deploys.

Usage: chart_test.py TOOLS_DIR (the directory tools/install-helm-tools.sh prints).
"""
import json
import pathlib
import re
import subprocess
import sys
import tempfile
import unittest

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "codearena"
VALUES = sorted((ROOT / "tests" / "helm" / "values").glob("*.yaml"))
TOOLS = pathlib.Path(sys.argv.pop(1) if len(sys.argv) > 1 else "")
HELM = str(TOOLS / "bin" / "helm")
RELEASE, NAMESPACE = "ca", "codearena"
WORKLOAD_KINDS = {"Deployment", "StatefulSet", "Pod"}
# Volume types the restricted Pod Security Standard allows.
RESTRICTED_VOLUMES = {"configMap", "secret", "emptyDir", "projected", "downwardAPI",
                      "persistentVolumeClaim", "ephemeral", "csi"}
# Settings of app/serve_config.cc that the chart sets itself rather than through `settings`.
CHART_MANAGED = {"PORT", "WORKER_CONCURRENCY", "SHUTDOWN_GRACE", "JWT_SECRET", "REDIS_PASSWORD",
                 "JWT_PUBLIC_KEY_FILE", "WEBHOOK_SECRET", "NODE_ID", "ROLES", "REDIS_URL",
                 "CLUSTER_LISTEN", "CLUSTER_ADVERTISE", "CLUSTER_SECRET", "CODEARENA_LANGUAGES",
                 "WORKER_LANGUAGES"}
# Settings the chart leaves out on purpose: the listen address (every interface, as a pod needs),
# cluster TLS by files (the chart uses CLUSTER_SECRET), TLS in the node (the Ingress terminates
# TLS), a cluster without Redis, and a testing hook.
LEFT_OUT = {"HOST", "CLUSTER_TLS", "CLUSTER_TLS_CERT", "CLUSTER_TLS_KEY", "CLUSTER_TLS_CA", "TLS_CERT_FILE",
            "TLS_KEY_FILE", "CLUSTER_JOIN", "CODEARENA_INJECT_INTERNAL_ERRORS"}


def helm(*args, check=True):
    result = subprocess.run([HELM, *args], capture_output=True, text=True)
    if check and result.returncode != 0:
        raise AssertionError(f"helm {' '.join(args)} failed:\n{result.stderr}")
    return result


def render(values_file=None, *extra):
    args = ["template", RELEASE, str(CHART), "--namespace", NAMESPACE]
    if values_file:
        args += ["-f", str(values_file)]
    return [doc for doc in yaml.safe_load_all(helm(*args, *extra).stdout) if doc]


def pod_specs(objects):
    """(object, pod spec, pod labels) of every workload."""
    for obj in objects:
        if obj["kind"] == "Pod":
            yield obj, obj["spec"], obj["metadata"].get("labels", {})
        elif obj["kind"] in WORKLOAD_KINDS:
            template = obj["spec"]["template"]
            yield obj, template["spec"], template["metadata"].get("labels", {})


def containers(spec):
    return spec.get("initContainers", []) + spec["containers"]


def component(labels):
    return labels.get("app.kubernetes.io/component", "")


def selects(selector, labels):
    return all(labels.get(key) == value for key, value in selector.get("matchLabels", {}).items())


def env_of(container):
    return {item["name"]: item.get("value") for item in container.get("env", [])}


def documented_worker_capabilities():
    """The capabilities docs/containers.md's "The worker's capabilities" table lists."""
    text = (ROOT / "docs" / "containers.md").read_text()
    section = text.split("## The worker's capabilities", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^\| `([A-Z_]+)` \|", section, re.MULTILINE)


class Rendered(unittest.TestCase):
    rendered = {}

    @classmethod
    def setUpClass(cls):
        cls.rendered = {path.name: render(path) for path in VALUES}


class LintAndSchema(Rendered):
    def test_lint_strict_passes_for_every_values_file(self):
        for path in VALUES:
            with self.subTest(values=path.name):
                helm("lint", "--strict", str(CHART), "-f", str(path), "--namespace", NAMESPACE)

    def test_rendered_objects_match_the_kubernetes_schemas(self):
        for name, objects in self.rendered.items():
            with self.subTest(values=name), tempfile.NamedTemporaryFile("w", suffix=".json") as f:
                json.dump(objects, f)
                f.flush()
                result = subprocess.run(
                    ["node", str(ROOT / "tests" / "helm" / "validate_objects.mjs"), str(TOOLS), f.name],
                    capture_output=True, text=True)
                self.assertEqual(result.returncode, 0, result.stderr)

    def test_the_values_schema_refuses_unknown_keys(self):
        for key in ["surprise=1", "api.replica=2", "worker.pools[0].langauges={python}",
                    "settings.NOT_A_SETTING=1", "redis.external.password=x"]:
            with self.subTest(key=key):
                result = helm("template", RELEASE, str(CHART), "--set", key, check=False)
                self.assertNotEqual(result.returncode, 0, f"--set {key} was accepted")
                self.assertIn("additional properties", result.stderr.lower())
                result = helm("lint", "--strict", str(CHART), "--set", key, check=False)
                self.assertNotEqual(result.returncode, 0, f"lint accepted --set {key}")

    def test_the_values_schema_refuses_ill_typed_values(self):
        for value in ["api.replicas=two", "cluster.secret=short", "worker.slots=0",
                      "settings.LOG_LEVEL=loud", "redis.external.url=redis://user:pw@host"]:
            with self.subTest(value=value):
                result = helm("template", RELEASE, str(CHART), "--set", value, check=False)
                self.assertNotEqual(result.returncode, 0, f"--set {value} was accepted")

    def test_every_setting_of_the_binary_is_a_value_or_set_by_the_chart(self):
        source = (ROOT / "app" / "serve_config.cc").read_text()
        variables = set(re.findall(r'\{"--[a-z-]+", "([A-Z_]+)"', source))
        self.assertGreater(len(variables), 30, "the settings table of serve_config.cc moved")
        schema = json.loads((CHART / "values.schema.json").read_text())
        values_settings = set(schema["properties"]["settings"]["properties"])
        unplaced = variables - values_settings - CHART_MANAGED - LEFT_OUT
        self.assertEqual(unplaced, set(), "settings neither in values nor set by the chart")
        self.assertEqual(values_settings & CHART_MANAGED, set())


class Workloads(Rendered):
    def test_every_container_has_probes_resources_and_a_security_context(self):
        for name, objects in self.rendered.items():
            with self.subTest(values=name):
                for obj, spec, _ in pod_specs(objects):
                    for container in containers(spec):
                        where = f"{obj['kind']} {obj['metadata']['name']}/{container['name']}"
                        for probe in ("livenessProbe", "readinessProbe"):
                            self.assertIn(probe, container, where)
                        for part in ("requests", "limits"):
                            self.assertEqual(set(container["resources"][part]), {"cpu", "memory"}, where)
                        self.assertTrue(container.get("securityContext"), where)

    def test_every_pod_but_the_workers_meets_the_restricted_pod_security_standard(self):
        for name, objects in self.rendered.items():
            with self.subTest(values=name):
                for obj, spec, labels in pod_specs(objects):
                    if component(labels).startswith("worker-"):
                        continue
                    where = f"{obj['kind']} {obj['metadata']['name']}"
                    self.assertTrue(spec["securityContext"]["runAsNonRoot"], where)
                    self.assertEqual(spec["securityContext"]["seccompProfile"]["type"], "RuntimeDefault", where)
                    for flag in ("hostNetwork", "hostPID", "hostIPC"):
                        self.assertFalse(spec.get(flag, False), where)
                    for volume in spec.get("volumes", []):
                        kinds = set(volume) - {"name"}
                        self.assertLessEqual(kinds, RESTRICTED_VOLUMES, where)
                    self.assertFalse(spec.get("automountServiceAccountToken", True), where)
                    for container in containers(spec):
                        context = container["securityContext"]
                        self.assertIs(context["allowPrivilegeEscalation"], False, where)
                        self.assertIs(context["readOnlyRootFilesystem"], True, where)
                        self.assertEqual(context["capabilities"], {"drop": ["ALL"]}, where)
                        self.assertFalse(context.get("privileged", False), where)
                        self.assertNotEqual(context.get("runAsUser"), 0, where)
                        self.assertTrue(all("hostPort" not in p for p in container.get("ports", [])), where)

    def test_workers_get_exactly_the_documented_privileges(self):
        """Privileged by default (the only writable cgroup tree Kubernetes mounts); with
        worker.privileged false, exactly the capabilities docs/containers.md lists."""
        documented = documented_worker_capabilities()
        self.assertIn("SYS_ADMIN", documented)
        for name, objects in self.rendered.items():
            privileged = name != "unprivileged-workers.yaml"
            with self.subTest(values=name):
                workers = [(obj, spec) for obj, spec, labels in pod_specs(objects)
                           if component(labels).startswith("worker-")]
                self.assertTrue(workers)
                for obj, spec in workers:
                    where = obj["metadata"]["name"]
                    for flag in ("hostNetwork", "hostPID", "hostIPC"):
                        self.assertFalse(spec.get(flag, False), where)
                    self.assertTrue(all("hostPath" not in v for v in spec.get("volumes", [])), where)
                    self.assertFalse(spec.get("automountServiceAccountToken", True), where)
                    context = spec["containers"][0]["securityContext"]
                    if privileged:
                        self.assertEqual(context, {"privileged": True}, where)
                        continue
                    self.assertFalse(context.get("privileged", False), where)
                    self.assertEqual(context["capabilities"]["drop"], ["ALL"], where)
                    self.assertEqual(context["capabilities"]["add"], documented, where)
                    self.assertEqual(context["seccompProfile"], {"type": "Unconfined"}, where)

    def test_the_privileged_switch_is_the_only_way_to_a_privileged_worker(self):
        for switch in (True, False):
            objects = render(None, "--set", f"worker.privileged={str(switch).lower()}")
            for _, spec, labels in pod_specs(objects):
                context = spec["containers"][0]["securityContext"]
                self.assertEqual(context.get("privileged", False),
                                 switch and component(labels).startswith("worker-"))

    def test_termination_grace_outlasts_the_drain(self):
        for name, objects in self.rendered.items():
            with self.subTest(values=name):
                for obj, spec, labels in pod_specs(objects):
                    if component(labels) == "api" or component(labels).startswith("worker-"):
                        container = spec["containers"][0]
                        grace = env_of(container)["SHUTDOWN_GRACE"]
                        self.assertRegex(grace, r"^\d+s$")
                        pause = container.get("lifecycle", {}).get("preStop", {}).get("sleep", {})
                        self.assertGreater(spec["terminationGracePeriodSeconds"],
                                           pause.get("seconds", 0) + int(grace[:-1]), obj["metadata"]["name"])

    def test_probes_use_the_endpoints_the_server_serves(self):
        routes = (ROOT / "http" / "server.cc").read_text()
        for name, objects in self.rendered.items():
            with self.subTest(values=name):
                for _, spec, labels in pod_specs(objects):
                    if component(labels) in ("api",) or component(labels).startswith("worker-"):
                        container = spec["containers"][0]
                        for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
                            path = container[probe]["httpGet"]["path"]
                            self.assertIn(f'table.get("{path}"', routes)
                        self.assertEqual(container["readinessProbe"]["httpGet"]["path"], "/ready")

    def test_images_are_pinned_to_the_project_version(self):
        version = re.search(r"project\(codearena VERSION ([0-9.]+)", (ROOT / "CMakeLists.txt").read_text())[1]
        chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
        self.assertEqual(chart["appVersion"], version)
        self.assertEqual(chart["version"], version)
        for name, objects in self.rendered.items():
            with self.subTest(values=name):
                for _, spec, labels in pod_specs(objects):
                    for container in containers(spec):
                        name, _, tag = container["image"].rpartition(":")
                        self.assertTrue(name and tag and tag != "latest", container["image"])
                        if name.startswith("codearena/"):
                            self.assertEqual(tag, version)

    def test_worker_pools_run_their_languages_image_and_settings(self):
        objects = self.rendered["language-pools.yaml"]
        pools = {labels["app.kubernetes.io/component"]: spec["containers"][0]
                 for _, spec, labels in pod_specs(objects) if component(labels).startswith("worker-")}
        self.assertEqual(set(pools), {"worker-python", "worker-compiled", "worker-javascript"})
        self.assertEqual(pools["worker-python"]["image"].split(":")[0], "codearena/worker-python")
        self.assertEqual(pools["worker-compiled"]["image"].split(":")[0], "codearena/worker")
        self.assertEqual(pools["worker-javascript"]["image"].split(":")[0], "codearena/worker")
        self.assertEqual(env_of(pools["worker-python"])["WORKER_LANGUAGES"], "python")
        self.assertEqual(env_of(pools["worker-python"])["WORKER_CONCURRENCY"], "8")
        self.assertEqual(env_of(pools["worker-compiled"])["WORKER_LANGUAGES"], "c,cpp,java")
        self.assertEqual(env_of(pools["worker-compiled"])["WORKER_CONCURRENCY"], "5")
        default_pool = [spec["containers"][0] for _, spec, labels in pod_specs(self.rendered["defaults.yaml"])
                        if component(labels) == "worker-all"]
        self.assertNotIn("WORKER_LANGUAGES", env_of(default_pool[0]))
        runtime = {spec.get("runtimeClassName") for _, spec, labels in pod_specs(objects)
                   if component(labels).startswith("worker-")}
        self.assertEqual(runtime, {"gvisor"})


class Objects(Rendered):
    def test_every_object_has_the_recommended_labels(self):
        for name, objects in self.rendered.items():
            with self.subTest(values=name):
                for obj in objects:
                    labels = obj["metadata"].get("labels", {})
                    for key in ("name", "instance", "version", "component", "part-of", "managed-by"):
                        self.assertIn(f"app.kubernetes.io/{key}", labels, f"{obj['kind']} {obj['metadata']['name']}")

    def test_every_service_selects_pods(self):
        for name, objects in self.rendered.items():
            with self.subTest(values=name):
                pods = [labels for _, _, labels in pod_specs(objects)]
                for service in (o for o in objects if o["kind"] == "Service"):
                    self.assertTrue(any(selects({"matchLabels": service["spec"]["selector"]}, labels)
                                        for labels in pods), service["metadata"]["name"])

    def test_every_service_port_names_a_port_of_its_pods(self):
        for name, objects in self.rendered.items():
            with self.subTest(values=name):
                pods = list(pod_specs(objects))
                for service in (o for o in objects if o["kind"] == "Service"):
                    selector = {"matchLabels": service["spec"]["selector"]}
                    for _, spec, labels in pods:
                        if not selects(selector, labels):
                            continue
                        names = {p.get("name") for c in spec["containers"] for p in c.get("ports", [])}
                        for port in service["spec"]["ports"]:
                            self.assertIn(port["targetPort"], names, service["metadata"]["name"])

    def test_environment_config_maps_hold_only_variable_names(self):
        for name, objects in self.rendered.items():
            with self.subTest(values=name):
                maps = {o["metadata"]["name"]: o.get("data", {}) for o in objects if o["kind"] == "ConfigMap"}
                for _, spec, _ in pod_specs(objects):
                    for container in containers(spec):
                        for source in container.get("envFrom", []):
                            for key in maps[source["configMapRef"]["name"]]:
                                self.assertRegex(key, r"^[A-Z_][A-Z0-9_]*$")

    def test_network_policies_select_every_pod_and_deny_by_default(self):
        for name, objects in self.rendered.items():
            with self.subTest(values=name):
                policies = [o["spec"] for o in objects if o["kind"] == "NetworkPolicy"]
                for obj, _, labels in pod_specs(objects):
                    mine = [p for p in policies if selects(p["podSelector"], labels)]
                    denying = [p for p in mine if p["policyTypes"] == ["Ingress", "Egress"]]
                    self.assertTrue(denying, f"no policy selects {obj['metadata']['name']}")
                    specific = [p for p in mine if p["podSelector"]["matchLabels"].keys() - {
                        "app.kubernetes.io/name", "app.kubernetes.io/instance"}]
                    self.assertTrue(specific, f"only the default deny selects {obj['metadata']['name']}")

    def test_workers_reach_only_the_scheduler_nodes_redis_and_dns(self):
        for name, objects in self.rendered.items():
            with self.subTest(values=name):
                worker = next(o["spec"] for o in objects if o["kind"] == "NetworkPolicy"
                              and o["metadata"]["name"].endswith("-worker"))
                ports = {port["port"] for rule in worker["egress"] for port in rule["ports"]}
                self.assertEqual(ports, {4001, 6379, 53})
                cluster_rule = next(r for r in worker["egress"] if r["ports"][0]["port"] == 4001)
                self.assertEqual(cluster_rule["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/component"], "api")
                for rule in worker.get("ingress", []):
                    self.assertTrue(rule["from"], "a worker accepts connections from anyone")

    def test_redis_is_the_release_or_external(self):
        defaults = {o["kind"] for o in self.rendered["defaults.yaml"]}
        self.assertIn("StatefulSet", defaults)
        external = self.rendered["external-redis.yaml"]
        self.assertNotIn("StatefulSet", {o["kind"] for o in external})
        for _, spec, labels in pod_specs(external):
            if component(labels) == "api":
                self.assertEqual(env_of(spec["containers"][0])["REDIS_URL"],
                                 "redis://redis.data.svc.cluster.local:6379/2")
        self.assertNotEqual(helm("template", RELEASE, str(CHART), "--set", "redis.enabled=false",
                                 check=False).returncode, 0)

    def test_generated_secrets_are_kept_and_given_ones_used(self):
        secret = next(o for o in self.rendered["defaults.yaml"] if o["kind"] == "Secret")
        self.assertEqual(set(secret["data"]), {"cluster-secret", "redis-password"})
        template = (CHART / "templates" / "secret.yaml").read_text()
        self.assertIn('lookup "v1" "Secret"', template)
        auth = next(o for o in self.rendered["auth.yaml"] if o["kind"] == "Secret")
        self.assertEqual(set(auth["data"]),
                         {"cluster-secret", "jwt-secret", "jwt-public-key", "webhook-secret", "redis-password"})

    def test_redis_requires_the_password_the_nodes_send(self):
        def password_source(container, variable):
            item = next((e for e in container.get("env", []) if e["name"] == variable), None)
            return item and item["valueFrom"]["secretKeyRef"]

        for name, objects in self.rendered.items():
            with self.subTest(values=name):
                redis = [spec["containers"][0] for _, spec, labels in pod_specs(objects)
                         if component(labels) == "redis"]
                nodes = [spec["containers"][0] for _, spec, labels in pod_specs(objects)
                         if component(labels) == "api" or component(labels).startswith("worker-")]
                sources = {json.dumps(password_source(c, "REDIS_PASSWORD")) for c in nodes}
                self.assertEqual(len(sources), 1)
                if redis:
                    self.assertIn("$(REDIS_PASSWORD)", redis[0]["command"])
                    self.assertEqual(sources, {json.dumps(password_source(redis[0], "REDIS_PASSWORD"))})
                    self.assertEqual(sources, {json.dumps(password_source(redis[0], "REDISCLI_AUTH"))})
        external = self.rendered["external-redis.yaml"]
        api = next(spec["containers"][0] for _, spec, labels in pod_specs(external) if component(labels) == "api")
        self.assertEqual(password_source(api, "REDIS_PASSWORD"), {"name": "codearena-redis", "key": "redis-password"})
        no_password = render(None, "--set", "redis.enabled=false", "--set", "redis.external.url=redis://r:6379")
        for _, spec, labels in pod_specs(no_password):
            self.assertNotIn("REDIS_PASSWORD", env_of(spec["containers"][0]))

    def test_autoscalers_follow_the_switch(self):
        hpa = [o for o in self.rendered["language-pools.yaml"] if o["kind"] == "HorizontalPodAutoscaler"]
        external = [h for h in hpa if h["spec"]["metrics"][0]["type"] == "External"]
        self.assertEqual([h["spec"]["scaleTargetRef"]["name"] for h in external], [f"{RELEASE}-codearena-worker-python"])
        self.assertEqual(external[0]["spec"]["metrics"][0]["external"]["target"]["averageValue"], "4")
        self.assertTrue(any(o["kind"] == "ConfigMap" and o["metadata"]["name"].endswith("adapter-rules")
                            for o in self.rendered["language-pools.yaml"]))
        keda = self.rendered["keda.yaml"]
        self.assertEqual([o["kind"] for o in keda if o["kind"] == "ScaledObject"], ["ScaledObject"])
        self.assertFalse([o for o in keda if o["kind"] == "HorizontalPodAutoscaler"
                          and o["spec"]["metrics"][0]["type"] == "External"])
        api_hpa = next(o for o in self.rendered["defaults.yaml"] if o["kind"] == "HorizontalPodAutoscaler")
        self.assertEqual(api_hpa["spec"]["metrics"][0]["resource"]["name"], "cpu")

    def test_a_language_pool_scales_on_its_languages_queue_only(self):
        hpa = next(o for o in self.rendered["language-pools.yaml"] if o["kind"] == "HorizontalPodAutoscaler"
                   and o["spec"]["metrics"][0]["type"] == "External")
        selector = hpa["spec"]["metrics"][0]["external"]["metric"]["selector"]
        self.assertEqual(selector["matchExpressions"], [{"key": "language", "operator": "In", "values": ["python"]}])

        def keda_query(*extra):
            objects = render(ROOT / "tests" / "helm" / "values" / "keda.yaml", *extra)
            return next(o for o in objects if o["kind"] == "ScaledObject")["spec"]["triggers"][0]["metadata"]["query"]
        every_language = keda_query()
        self.assertIn("codearena_queue_depth_jobs{", every_language)
        self.assertNotIn("language", every_language)
        two_languages = keda_query("--set", "worker.pools[0].languages={python,javascript}")
        self.assertIn('language=~"python|javascript"', two_languages)
        self.assertEqual(two_languages.replace(',language=~"python|javascript"', ""), every_language)

    def test_the_helm_test_pod_is_a_hook(self):
        for name, objects in self.rendered.items():
            with self.subTest(values=name):
                pod = next(o for o in objects if o["kind"] == "Pod")
                self.assertEqual(pod["metadata"]["annotations"]["helm.sh/hook"], "test")

    def test_monitoring_asks_only_for_metrics_the_nodes_export(self):
        exported = set()
        for source in ROOT.glob("*/**/*.cc"):
            if "build" not in source.parts and "tests" not in source.parts:
                exported |= set(re.findall(r'"(codearena_[a-z_]+)"', source.read_text(errors="replace")))
        self.assertIn("codearena_queue_depth_jobs", exported)
        objects = self.rendered["keda.yaml"] + self.rendered["language-pools.yaml"]
        monitoring = [o for o in objects if o["kind"] in ("PrometheusRule", "ServiceMonitor", "ScaledObject")
                      or "-dashboard-" in o["metadata"]["name"] or o["metadata"]["name"].endswith("-adapter-rules")]
        self.assertEqual(len({o["kind"] for o in monitoring}), 4)
        for obj in monitoring:
            text = json.dumps(obj)
            for name in re.findall(r"\b(codearena_[a-z_]+?)(?:_bucket|_sum|_count)?\b", text):
                if name != "codearena_queue_depth":  # the adapter's name for the External metric
                    self.assertIn(name, exported, obj["metadata"]["name"])

    def test_monitoring_ships_every_rule_group_and_dashboard_of_monitoring(self):
        objects = render(None, "--set", "monitoring.enabled=true")
        rules = next(o for o in objects if o["kind"] == "PrometheusRule")
        source = yaml.safe_load((ROOT / "monitoring" / "prometheus" / "rules.yml").read_text())
        self.assertEqual(rules["spec"], source)
        dashboards = {}
        for obj in objects:
            if obj["kind"] == "ConfigMap" and "-dashboard-" in obj["metadata"]["name"]:
                self.assertEqual(obj["metadata"]["labels"]["grafana_dashboard"], "1")
                dashboards.update({key: json.loads(text) for key, text in obj["data"].items()})
        expected = {f"codearena-{path.stem}.json": json.loads(path.read_text())
                    for path in (ROOT / "monitoring" / "grafana").glob("*.json")}
        self.assertEqual(len(expected), 5)
        self.assertEqual(dashboards, expected)
        monitor = next(o for o in objects if o["kind"] == "ServiceMonitor")
        # The rules and dashboards select scrape jobs named codearena*.
        self.assertIn({"targetLabel": "job", "replacement": "codearena"},
                      monitor["spec"]["endpoints"][0]["relabelings"])

    def test_install_notes_say_how_to_test_and_what_is_open(self):
        notes = {}
        for path in VALUES:
            output = helm("install", RELEASE, str(CHART), "-f", str(path), "--namespace", NAMESPACE,
                          "--dry-run=client").stdout
            notes[path.name] = output.split("NOTES:", 1)[1]
        for text in notes.values():
            self.assertIn(f"helm test {RELEASE} -n {NAMESPACE}", text)
        self.assertIn("open to anyone", notes["defaults.yaml"])
        self.assertNotIn("open to anyone", notes["auth.yaml"])
        self.assertIn("https://judge.example.org", notes["ingress-tls.yaml"])

    def test_the_values_table_is_current(self):
        result = subprocess.run([sys.executable, str(ROOT / "tools" / "helm_values_table.py"), "--check"],
                                capture_output=True, text=True)
        self.assertEqual(result.returncode, 0, result.stderr)


if __name__ == "__main__":
    unittest.main(verbosity=2)
