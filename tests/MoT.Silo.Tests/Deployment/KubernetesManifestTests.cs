using Microsoft.Extensions.Configuration;

namespace MoT.Silo.Tests.Deployment;

/// <summary>deploy/kubernetes: parses, wires the Secret, RBAC and GPU requests, and turns Orleans Kubernetes hosting on.</summary>
public sealed class KubernetesManifestTests
{
    private const string Folder = "deploy/kubernetes";

    private static IReadOnlyList<(string File, Dictionary<object, object> Doc)> All { get; } =
        [.. Directory.GetFiles(DeploymentFiles.PathOf(Folder), "*.yaml").Order()
            .SelectMany(path => DeploymentFiles.LoadAll(Path.Combine(Folder, Path.GetFileName(path))).Select(doc => (Path.GetFileName(path), doc)))];

    private static Dictionary<object, object> Find(string kind, string name) =>
        All.Single(d => d.Doc.Scalar("kind") == kind && d.Doc.Map("metadata").Scalar("name") == name).Doc;

    private static Dictionary<object, object> PodSpec(string deployment) => Find("Deployment", deployment).Map("spec").Map("template").Map("spec");

    private static Dictionary<object, object> Container(string deployment) => (Dictionary<object, object>)PodSpec(deployment).List("containers").Single();

    private static Dictionary<string, Dictionary<object, object>> Env(Dictionary<object, object> container) =>
        container.List("env").Cast<Dictionary<object, object>>().ToDictionary(e => e.Scalar("name")!);

    [Fact]
    public void Every_manifest_parses_and_every_object_has_a_kind_a_name_and_the_mot_namespace()
    {
        Assert.True(All.Count >= 14, $"only {All.Count} documents");
        foreach (var (file, doc) in All)
        {
            Assert.False(string.IsNullOrEmpty(doc.Scalar("apiVersion")), file);
            var kind = doc.Scalar("kind");
            Assert.False(string.IsNullOrEmpty(kind), file);
            if (kind is "Kustomization") continue;
            Assert.False(string.IsNullOrEmpty(doc.Map("metadata").Scalar("name")), file);
            if (kind is not "Namespace")
            {
                Assert.Equal("mot", doc.Map("metadata").Scalar("namespace"));
            }
        }
    }

    [Fact]
    public void Kustomization_lists_every_manifest_but_the_secret_template()
    {
        var resources = All.Single(d => d.Doc.Scalar("kind") == "Kustomization").Doc.List("resources").Strings().ToHashSet();
        var files = All.Select(d => d.File).Distinct().Where(f => f is not "kustomization.yaml" and not "secret.example.yaml").ToHashSet();
        Assert.Equal(files.Order(), resources.Order());
    }

    [Fact]
    public void Gpu_silos_request_one_nvidia_gpu_each_on_gpu_nodes_and_run_the_gpu_role()
    {
        var pod = PodSpec("mot-gpu-silo");
        var container = Container("mot-gpu-silo");
        Assert.Equal("1", container.Map("resources").Map("limits").Scalar("nvidia.com/gpu"));
        Assert.Equal(["--role", "gpu"], container.List("args").Strings());
        Assert.Equal("mot/silo:cuda", container.Scalar("image"));
        Assert.True(pod.Has("nodeSelector"));
        Assert.Contains(pod.List("tolerations").Cast<Dictionary<object, object>>(), t => t.Scalar("key") == "nvidia.com/gpu");
        Assert.Equal(["--role", "control"], Container("mot-control").List("args").Strings());
    }

    [Fact]
    public void Connection_strings_come_only_from_the_Secret()
    {
        var secret = Find("Secret", "mot-postgres").Map("stringData");
        foreach (var (file, doc) in All.Where(d => d.File != "secret.example.yaml"))
        {
            foreach (var container in Containers(doc))
            {
                foreach (var (name, env) in Env(container).Where(e => e.Key.EndsWith("ConnectionString", StringComparison.Ordinal) || e.Key == "POSTGRES_PASSWORD"))
                {
                    Assert.False(env.Has("value"), $"{file}: {name} is a literal");
                    var reference = env.Map("valueFrom").Map("secretKeyRef");
                    Assert.Equal("mot-postgres", reference.Scalar("name"));
                    Assert.True(secret.ContainsKey(reference.Scalar("key")!), $"{file}: {name} names a key the Secret lacks");
                }
            }
        }

        // Every PostgreSQL consumer got one.
        Assert.True(Env(Container("mot-control")).ContainsKey("Orleans__Clustering__ConnectionString"));
        Assert.True(Env(Container("mot-gpu-silo")).ContainsKey("Database__ConnectionString"));
        Assert.True(Env(Container("mot-dashboard")).ContainsKey("Database__ConnectionString"));
        var job = (Dictionary<object, object>)Find("Job", "mot-migrate").Map("spec").Map("template").Map("spec").List("containers").Single();
        Assert.Equal(["dotnet", "/app/cli/mot.dll", "db", "migrate"], job.List("command").Strings());
        Assert.True(Env(job)["MOT_Database__ConnectionString"].Map("valueFrom").Has("secretKeyRef"));
    }

    [Fact]
    public void Silo_pods_have_the_rbac_orleans_kubernetes_hosting_needs()
    {
        var rules = Find("Role", "mot-silo-pods").List("rules").Cast<Dictionary<object, object>>();
        var pods = Assert.Single(rules, r => r.List("resources").Strings().Contains("pods"));
        Assert.Superset(new HashSet<string> { "get", "list", "watch", "delete", "patch" }, Verbs(pods));
        var binding = Find("RoleBinding", "mot-silo-pods");
        Assert.Equal("mot-silo-pods", binding.Map("roleRef").Scalar("name"));
        var subject = (Dictionary<object, object>)binding.List("subjects").Single();
        Assert.Equal("ServiceAccount", subject.Scalar("kind"));
        Find("ServiceAccount", subject.Scalar("name")!);
        foreach (var silo in new[] { "mot-control", "mot-gpu-silo" })
        {
            Assert.Equal(subject.Scalar("name"), PodSpec(silo).Scalar("serviceAccountName"));
        }

        static HashSet<string> Verbs(Dictionary<object, object> rule) => rule.List("verbs").Strings().ToHashSet();
    }

    [Theory]
    [InlineData("mot-control")]
    [InlineData("mot-gpu-silo")]
    public void Silo_pods_turn_on_kubernetes_hosting_with_downward_api_identity_over_postgres_clustering(string deployment)
    {
        var env = Env(Container(deployment));
        Assert.Equal("metadata.name", env["POD_NAME"].Map("valueFrom").Map("fieldRef").Scalar("fieldPath"));
        Assert.Equal("metadata.namespace", env["POD_NAMESPACE"].Map("valueFrom").Map("fieldRef").Scalar("fieldPath"));
        Assert.Equal("status.podIP", env["POD_IP"].Map("valueFrom").Map("fieldRef").Scalar("fieldPath"));

        // The pod labels Orleans reads (ORLEANS_CLUSTER_ID / ORLEANS_SERVICE_ID) agree with the silo's own settings.
        var labels = Find("Deployment", deployment).Map("spec").Map("template").Map("metadata").Map("labels");
        Assert.Equal(env["Silo__ClusterId"].Scalar("value"), labels.Scalar("orleans/clusterId"));
        Assert.Equal(env["Silo__ServiceId"].Scalar("value"), labels.Scalar("orleans/serviceId"));
        Assert.Equal("metadata.labels['orleans/clusterId']", env["ORLEANS_CLUSTER_ID"].Map("valueFrom").Map("fieldRef").Scalar("fieldPath"));

        // The literal settings through the rule the silo applies.
        var settings = env.Where(e => e.Value.Has("value")).ToDictionary(e => e.Key, e => e.Value.Scalar("value")!);
        settings["Orleans__Clustering__ConnectionString"] = "from the Secret";
        settings["Orleans__Endpoints__AdvertisedIPAddress"] = "10.42.0.7"; // what $(POD_IP) expands to
        var configuration = ComposeFileTests.SiloConfiguration(Container(deployment).List("args").Strings().ToArray(), settings);
        var clustering = configuration.GetSection(ClusteringOptions.Section).Get<ClusteringOptions>()!;
        Assert.True(DeploymentHosting.IsKubernetesHostingEnabled(configuration, clustering));
        Assert.Equal("$(POD_IP)", env["Orleans__Endpoints__AdvertisedIPAddress"].Scalar("value"));
        Assert.Equal("$(POD_NAME)", env["Silo__Name"].Scalar("value"));
        Assert.Equal("false", settings["Database__MigrateOnStart"]);
    }

    [Fact]
    public void Checkpoints_are_a_shared_volume_mounted_at_the_images_output_root()
    {
        var claim = Find("PersistentVolumeClaim", "mot-checkpoints");
        Assert.Equal(["ReadWriteMany"], claim.Map("spec").List("accessModes").Strings());
        var outputRoot = DockerfileTests.EnvOf("deploy/docker/Dockerfile.cuda", "GpuSlots__OutputRoot");
        var volumes = PodSpec("mot-gpu-silo").List("volumes").Cast<Dictionary<object, object>>();
        var volume = Assert.Single(volumes, v => v.Map("persistentVolumeClaim").Scalar("claimName") == "mot-checkpoints");
        var mounts = Container("mot-gpu-silo").List("volumeMounts").Cast<Dictionary<object, object>>();
        Assert.Contains(mounts, m => m.Scalar("name") == volume.Scalar("name") && m.Scalar("mountPath") == outputRoot);
    }

    [Fact]
    public void Dashboard_is_a_cluster_client_probed_on_health_behind_a_service()
    {
        var container = Container("mot-dashboard");
        Assert.Equal("Client", Env(container)["Dashboard__Mode"].Scalar("value"));
        Assert.Equal("/health", container.Map("readinessProbe").Map("httpGet").Scalar("path"));
        Assert.Equal("/health", container.Map("livenessProbe").Map("httpGet").Scalar("path"));
        var service = Find("Service", "mot-dashboard");
        Assert.Equal("mot-dashboard", service.Map("spec").Map("selector").Scalar("app.kubernetes.io/name"));
    }

    private static IEnumerable<Dictionary<object, object>> Containers(Dictionary<object, object> doc)
    {
        if (doc.Scalar("kind") is not ("Deployment" or "StatefulSet" or "Job" or "DaemonSet")) return [];
        return doc.Map("spec").Map("template").Map("spec").List("containers").Cast<Dictionary<object, object>>();
    }

    [Fact]
    public void Silo_ports_are_reachable_only_from_the_platforms_pods_and_no_service_or_host_port_exposes_them()
    {
        var policy = Find("NetworkPolicy", "mot-silo-ports").Map("spec");
        var selected = policy.Map("podSelector").List("matchExpressions").Cast<Dictionary<object, object>>().Single().List("values").Strings();
        Assert.Equal(["mot-control", "mot-gpu-silo"], selected);
        var ingress = policy.List("ingress").Cast<Dictionary<object, object>>().Single();
        Assert.Equal("mot", ingress.List("from").Cast<Dictionary<object, object>>().Single().Map("podSelector").Map("matchLabels").Scalar("app.kubernetes.io/part-of"));
        Assert.Equal(["11111", "30000"], ingress.List("ports").Cast<Dictionary<object, object>>().Select(p => p.Scalar("port")));
        foreach (var deployment in new[] { "mot-control", "mot-gpu-silo", "mot-dashboard" })
            Assert.Equal("mot", Find("Deployment", deployment).Map("spec").Map("template").Map("metadata").Map("labels").Scalar("app.kubernetes.io/part-of"));

        foreach (var (file, doc) in All)
        {
            var text = DeploymentFiles.Read(Path.Combine(Folder, file));
            Assert.DoesNotContain("hostPort", text);
            Assert.DoesNotContain("hostNetwork", text);
            if (doc.Scalar("kind") != "Service") continue;
            var ports = doc.Map("spec").List("ports").Cast<Dictionary<object, object>>().Select(p => p.Scalar("port")).ToList();
            Assert.DoesNotContain("11111", ports);
            Assert.DoesNotContain("30000", ports);
        }
    }
}
