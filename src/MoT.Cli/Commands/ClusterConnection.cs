using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MoT.Silo;

namespace MoT.Cli.Commands;

/// <summary>
/// How a verb reaches the running platform as an Orleans client: this machine's gateway (<c>--gateway-port</c>, default
/// 30000, what <c>./build.sh run</c> and a local silo open), or the team cluster's membership table on PostgreSQL
/// (<c>--cluster-db CONN</c>, or MOT_Orleans__Clustering__ProviderType=AdoNet with MOT_Orleans__Clustering__ConnectionString).
/// A cluster with TLS on needs the same certificate setting here: MOT_Orleans__Tls__CertificatePath and the rest of <see cref="ClusterTlsOptions"/>.
/// </summary>
internal sealed class ClusterConnection
{
    public Option<int> GatewayPort { get; } = new("--gateway-port") { Description = "This machine's silo gateway port", DefaultValueFactory = _ => 30000 };
    public Option<string?> ClusterDatabase { get; } = new("--cluster-db") { Description = "PostgreSQL connection string of a multi-machine cluster's membership table" };
    public Option<string> ClusterId { get; } = new("--cluster-id") { Description = "Cluster id (Silo:ClusterId of the silos)", DefaultValueFactory = _ => new SiloHostOptions().ClusterId };
    public Option<int> ConnectTimeout { get; } = new("--connect-timeout") { Description = "Seconds to wait for the platform to answer", DefaultValueFactory = _ => 10 };

    public void AddTo(Command command)
    {
        command.Add(GatewayPort);
        command.Add(ClusterDatabase);
        command.Add(ClusterId);
        command.Add(ConnectTimeout);
    }

    /// <summary>A started client; a cluster that cannot be reached is one clear error, not Orleans' retry log.</summary>
    public async Task<IHost> ConnectAsync(ParseResult parse, CancellationToken cancel)
    {
        var settings = new Dictionary<string, string?>();
        if (parse.GetValue(ClusterDatabase) is { } database)
        {
            settings[$"{ClusteringOptions.Section}:{nameof(ClusteringOptions.ProviderType)}"] = "AdoNet";
            settings[$"{ClusteringOptions.Section}:{nameof(ClusteringOptions.ConnectionString)}"] = database;
        }

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddEnvironmentVariables("MOT_").AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        var clustering = ClusterMembership.Read(builder.Configuration);
        var gatewayPort = parse.GetValue(GatewayPort);
        var host = new SiloHostOptions();
        builder.UseOrleansClient(client => client.UseMotClustering(clustering, gatewayPort, host.ServiceId, parse.GetValue(ClusterId)!).UseMotTls(builder.Configuration));
        var app = builder.Build();
        var where = clustering.IsAdoNet ? "the cluster in the given PostgreSQL database" : $"a silo gateway on localhost:{gatewayPort}";
        var seconds = parse.GetValue(ConnectTimeout);
        if (seconds < 1) throw new InvalidOperationException($"--connect-timeout must be at least 1 second (got {seconds})");
        // Orleans' own connection retries run for minutes; a command line answers within the timeout instead.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        try
        {
            await app.StartAsync(timeout.Token);
            return app;
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
            app.Dispose();
            throw new InvalidOperationException(
                $"no answer from {where} within {seconds} s; start the platform (./build.sh run) or pass --gateway-port / --cluster-db (--connect-timeout waits longer)");
        }
        catch (OperationCanceledException)
        {
            app.Dispose();
            throw new InvalidOperationException($"interrupted while connecting to {where}");
        }
        catch (Exception error)
        {
            app.Dispose();
            throw new InvalidOperationException(
                $"cannot reach {where} ({error.Message.Split('\n')[0]}); start the platform (./build.sh run) or pass --gateway-port / --cluster-db");
        }
    }

    public static IClusterClient Client(IHost host) => host.Services.GetRequiredService<IClusterClient>();
}
