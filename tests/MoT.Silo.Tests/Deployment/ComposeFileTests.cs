using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace MoT.Silo.Tests.Deployment;

/// <summary>
/// docker-compose.yml against the Compose specification's essentials and against what the silo host really accepts
/// (no Docker engine here: the file is parsed, its commands run through the host's own configuration pipeline, and
/// its healthcheck scripts run under bash against local listeners).
/// </summary>
public sealed partial class ComposeFileTests
{
    private const string ComposeFile = "docker-compose.yml";
    private const string GpuNodeFile = "deploy/compose/gpu-node.yml";
    private static readonly Dictionary<object, object> Compose = DeploymentFiles.LoadYaml(ComposeFile);
    private static Dictionary<object, object> Service(string name) => Compose.Map("services").Map(name);

    [Fact]
    public void Compose_declares_postgres_schema_job_control_gpu_and_dashboard_each_with_an_image_or_a_build()
    {
        var services = Compose.Map("services");
        Assert.Equal(["control", "dashboard", "gpu", "migrate", "postgres"], services.Keys.Cast<string>().Order());
        foreach (var (name, service) in services)
        {
            Assert.True(service.Has("image") || service.Has("build"), $"service {name} has neither image nor build");
        }
    }

    [Theory]
    [InlineData("postgres")]
    [InlineData("control")]
    [InlineData("gpu")]
    [InlineData("dashboard")]
    public void Long_running_services_have_a_healthcheck_command(string name)
    {
        var test = Service(name).Map("healthcheck").List("test").Strings().ToList();
        Assert.Equal("CMD", test[0]);
        Assert.True(test.Count > 1);
    }

    [Fact]
    public void Start_order_waits_for_health_and_for_the_schema_job()
    {
        Assert.Equal("service_healthy", Condition("migrate", "postgres"));
        Assert.Equal("service_healthy", Condition("control", "postgres"));
        Assert.Equal("service_completed_successfully", Condition("control", "migrate"));
        Assert.Equal("service_healthy", Condition("gpu", "control"));
        Assert.Equal("service_healthy", Condition("dashboard", "control"));

        // A service_healthy condition on a service without a healthcheck would never be met.
        foreach (var (name, service) in Compose.Map("services"))
        {
            if (!service.Has("depends_on")) continue;
            foreach (var (dependency, spec) in service.Map("depends_on"))
            {
                var condition = spec.Scalar("condition");
                Assert.Contains(condition, new[] { "service_started", "service_healthy", "service_completed_successfully" });
                if (condition == "service_healthy")
                {
                    Assert.True(Service((string)dependency).Has("healthcheck"), $"{name} waits for {dependency} to be healthy but it has no healthcheck");
                }
            }
        }
    }

    [Fact]
    public void Database_and_checkpoints_live_on_declared_named_volumes_mounted_where_the_programs_write()
    {
        var declared = Compose.Map("volumes").Keys.Cast<string>().ToHashSet();
        Assert.Superset(new HashSet<string> { "pgdata", "checkpoints" }, declared);

        Assert.Contains("pgdata:/var/lib/postgresql/data", Mounts("postgres"));
        var outputRoot = DockerfileTests.EnvOf("deploy/docker/Dockerfile.cpu", "GpuSlots__OutputRoot");
        Assert.Equal(outputRoot, DockerfileTests.EnvOf("deploy/docker/Dockerfile.cuda", "GpuSlots__OutputRoot"));
        Assert.Contains($"checkpoints:{outputRoot}", Mounts("gpu"));
        Assert.Contains($"checkpoints:{outputRoot}", Mounts("control"));

        // Every named volume a service mounts is declared at the top level.
        foreach (var (name, service) in Compose.Map("services"))
        {
            if (!service.Has("volumes")) continue;
            foreach (var mount in service.List("volumes").Strings())
            {
                var source = mount.Split(':')[0];
                if (!source.StartsWith('.') && !source.StartsWith('/'))
                {
                    Assert.True(declared.Contains(source), $"{name} mounts undeclared volume {source}");
                }
            }
        }
    }

    [Fact]
    public void Gpu_silos_reserve_nvidia_gpus()
    {
        foreach (var compose in new[] { Compose, DeploymentFiles.LoadYaml(GpuNodeFile) })
        {
            var devices = compose.Map("services").Map("gpu").Map("deploy").Map("resources").Map("reservations").List("devices");
            var device = Assert.Single(devices);
            Assert.Equal("nvidia", device.Scalar("driver"));
            Assert.Contains("gpu", device.List("capabilities").Strings());
        }
    }

    [Fact]
    public void Every_variable_has_a_default_or_is_documented_in_the_file_header()
    {
        foreach (var file in new[] { ComposeFile, GpuNodeFile })
        {
            var text = DeploymentFiles.Read(file);
            var header = string.Join('\n', text.Split('\n').TakeWhile(line => line.StartsWith('#') || line.Trim().Length == 0));
            foreach (Match use in Variable().Matches(text))
            {
                var name = use.Groups["name"].Value;
                var hasDefault = use.Groups["op"].Value == ":-";
                Assert.True(hasDefault || header.Contains(name), $"{file}: ${{{name}}} has no default and is not documented");
                Assert.True(header.Contains(name), $"{file}: ${{{name}}} is not listed in the header");
            }
        }
    }

    [Theory]
    [InlineData("control", "control")]
    [InlineData("gpu", "gpu")]
    public void Silo_services_run_the_tests_command_line_on_postgres_clustering(string service, string role)
    {
        var command = Service(service).List("command").Strings().ToArray();
        Assert.Equal(["--role", role], command);
        Assert.False(Service(service).Has("entrypoint"), "silos use the image's entry point, dotnet MoT.Silo.dll");
        Assert.Equal("60s", Service(service).Scalar("stop_grace_period"));

        var environment = Environment(Service(service));
        Assert.Equal("AdoNet", environment["Orleans__Clustering__ProviderType"]);
        Assert.Equal("PostgreSQL", environment["Database__Provider"]);
        Assert.Equal(environment["Database__ConnectionString"], environment["Orleans__Clustering__ConnectionString"]);
        Assert.Equal("false", environment["Database__MigrateOnStart"]);

        // The command and environment through the host's own configuration pipeline (Program.cs).
        var configuration = SiloConfiguration(command, environment);
        var host = configuration.GetSection(SiloHostOptions.Section).Get<SiloHostOptions>()!;
        var clustering = configuration.GetSection(ClusteringOptions.Section).Get<ClusteringOptions>()!;
        Assert.Equal(role, host.Role);
        Assert.Equal(role == "control", host.HasControl);
        Assert.Equal(role == "gpu", host.HasGpu);
        Assert.False(host.Simulate);
        Assert.Equal("AdoNet", clustering.ProviderType);
        Assert.Equal("Host=postgres;Port=5432;Database=mot;Username=mot;Password=mot", clustering.ConnectionString);
        Assert.Null(DeploymentHosting.AdvertisedIPAddress(configuration, clustering));
        Assert.False(DeploymentHosting.IsKubernetesHostingEnabled(configuration, clustering));
    }

    [Fact]
    public void Gpu_node_file_joins_the_same_cluster_from_another_machine_with_an_advertised_address()
    {
        var gpu = DeploymentFiles.LoadYaml(GpuNodeFile).Map("services").Map("gpu");
        var command = gpu.List("command").Strings().ToArray();
        Assert.Equal(["--role", "gpu"], command);
        Assert.Equal("host", gpu.Scalar("network_mode"));

        var configuration = SiloConfiguration(command, Environment(gpu, required: "10.0.0.6"));
        var clustering = configuration.GetSection(ClusteringOptions.Section).Get<ClusteringOptions>()!;
        Assert.Equal("AdoNet", clustering.ProviderType);
        Assert.Equal(IPAddress.Parse("10.0.0.6"), DeploymentHosting.AdvertisedIPAddress(configuration, clustering));
        Assert.Equal(Environment(Service("gpu"))["Silo__ClusterId"], configuration["Silo:ClusterId"]);
        Assert.Equal(Environment(Service("gpu"))["Silo__ServiceId"], configuration["Silo:ServiceId"]);
    }

    [Fact]
    public void Cluster_ports_are_published_on_the_advertised_address_or_loopback_never_on_every_interface()
    {
        Assert.Equal(["127.0.0.1:11111:11111", "127.0.0.1:30000:30000"], Service("control").List("ports").Strings().Select(Interpolate));
        Assert.Equal(["10.0.0.5:11111:11111", "10.0.0.5:30000:30000"],
            Service("control").List("ports").Strings().Select(p => p.Replace("${MOT_ADVERTISED_IP:-127.0.0.1}", "10.0.0.5")));
        Assert.Equal(["127.0.0.1:5432:5432"], Service("postgres").List("ports").Strings().Select(Interpolate));
        foreach (var (name, service) in Compose.Map("services"))
        {
            if ((string)name is "dashboard" || !service.Has("ports")) continue;
            foreach (var port in service.List("ports").Strings())
                Assert.True(Interpolate(port).Split(':').Length == 3, $"{name} publishes {port} on every interface of the host");
        }
    }

    [Fact]
    public void A_host_networked_gpu_node_listens_on_its_cluster_address_only()
    {
        var gpu = DeploymentFiles.LoadYaml(GpuNodeFile).Map("services").Map("gpu");
        var configuration = SiloConfiguration(gpu.List("command").Strings().ToArray(), Environment(gpu, required: "10.0.0.6"));

        Assert.Equal(IPAddress.Parse("10.0.0.6"), DeploymentHosting.ListenIPAddress(configuration));
        // Its healthcheck probes that address, as nothing listens on loopback.
        Assert.Contains("/dev/tcp/${MOT_ADVERTISED_IP}/30000", gpu.Map("healthcheck").List("test").Strings().Last());
    }

    [Fact]
    public void Schema_job_runs_mot_db_migrate_on_the_same_database()
    {
        var migrate = Service("migrate");
        Assert.Equal(["dotnet", "/app/cli/mot.dll"], migrate.List("entrypoint").Strings());
        Assert.Equal(["db", "migrate"], migrate.List("command").Strings());
        Assert.Contains("<AssemblyName>mot</AssemblyName>", DeploymentFiles.Read("src/MoT.Cli/MoT.Cli.csproj"));
        var environment = Environment(migrate);
        Assert.Equal("PostgreSQL", environment["MOT_Database__Provider"]);
        Assert.Equal(Environment(Service("control"))["Database__ConnectionString"], environment["MOT_Database__ConnectionString"]);
    }

    [Fact]
    public void Dashboard_joins_the_cluster_as_a_client_and_publishes_its_port()
    {
        var environment = Environment(Service("dashboard"));
        Assert.Equal("Client", environment["Dashboard__Mode"]);
        Assert.Equal("AdoNet", environment["Orleans__Clustering__ProviderType"]);
        Assert.Equal("PostgreSQL", environment["Database__Provider"]);
        Assert.Contains("5080:5080", Service("dashboard").List("ports").Strings().Select(Interpolate));
    }

    [Fact]
    public void Build_sections_name_existing_dockerfiles_and_targets()
    {
        foreach (var (name, service) in Compose.Map("services"))
        {
            if (!service.Has("build")) continue;
            var build = service.Map("build");
            var dockerfile = DeploymentFiles.PathOf(Path.Combine(build.Scalar("context")!, build.Scalar("dockerfile")!));
            Assert.True(File.Exists(dockerfile), $"{name}: {dockerfile} missing");
            if (build.Scalar("target") is { } target)
            {
                Assert.Contains($" AS {target}\n", File.ReadAllText(dockerfile));
            }
        }
    }

    [Fact]
    public async Task Silo_healthcheck_passes_on_an_open_gateway_port_and_fails_on_a_closed_one()
    {
        var script = HealthScript("control");
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var open = ((IPEndPoint)listener.LocalEndpoint).Port;
        var accept = AcceptAndCloseAsync(listener);

        Assert.Equal(0, await RunBashAsync(script.Replace("/30000", $"/{open}")));
        await accept;
        listener.Stop();
        Assert.NotEqual(0, await RunBashAsync(script.Replace("/30000", $"/{open}")));
    }

    [Theory]
    [InlineData("200 OK", 0)]
    [InlineData("503 Service Unavailable", 1)]
    public async Task Dashboard_healthcheck_requires_200_from_health(string status, int expectedExit)
    {
        var script = HealthScript("dashboard");
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var serve = ServeOnceAsync(listener, status);

        var exit = await RunBashAsync(script.Replace("/5080", $"/{port}"));

        Assert.Equal("GET /health HTTP/1.0", await serve);
        Assert.Equal(expectedExit, exit);
    }

    private static string? Condition(string service, string dependency) => Service(service).Map("depends_on").Map(dependency).Scalar("condition");

    private static List<string> Mounts(string service) => Service(service).List("volumes").Strings().ToList();

    private static string HealthScript(string service)
    {
        var test = Service(service).Map("healthcheck").List("test").Strings().ToArray();
        Assert.Equal(["CMD", "bash", "-c"], test[..3]);
        return test[3];
    }

    /// <summary>A service's environment map with Compose's interpolation applied (defaults; <paramref name="required"/> for ${X:?}).</summary>
    internal static Dictionary<string, string> Environment(Dictionary<object, object> service, string required = "") =>
        service.Map("environment").ToDictionary(p => (string)p.Key, p => Interpolate(p.Value as string ?? "", required));

    private static string Interpolate(string value) => Interpolate(value, "");

    private static string Interpolate(string value, string required) =>
        Variable().Replace(value, m => m.Groups["op"].Value switch
        {
            ":-" => m.Groups["arg"].Value,
            ":?" => required,
            _ => "",
        });

    /// <summary>What Program.cs builds: the silo's flag mapping over environment variables (Section__Key) and arguments.</summary>
    internal static IConfiguration SiloConfiguration(string[] args, IReadOnlyDictionary<string, string> environment) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(environment.Select(p => new KeyValuePair<string, string?>(p.Key.Replace("__", ":"), p.Value)))
            .AddCommandLine(CommandLine.ToConfigurationArgs(args))
            .Build();

    private static async Task AcceptAndCloseAsync(TcpListener listener)
    {
        using var client = await listener.AcceptTcpClientAsync();
    }

    private static async Task<string> ServeOnceAsync(TcpListener listener, string status)
    {
        using var client = await listener.AcceptTcpClientAsync();
        var stream = client.GetStream();
        using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
        var requestLine = await reader.ReadLineAsync() ?? "";
        while (!string.IsNullOrEmpty(await reader.ReadLineAsync()))
        {
        }

        var body = status.StartsWith("200") ? "Healthy" : "Unhealthy";
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"HTTP/1.1 {status}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}"));
        return requestLine;
    }

    private static async Task<int> RunBashAsync(string script)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(script);
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        await process.WaitForExitAsync(timeout.Token);
        return process.ExitCode;
    }

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?<op>:-|:\?)(?<arg>[^}]*))?\}")]
    private static partial Regex Variable();
}
