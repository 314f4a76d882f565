using System.Data.Common;
using System.Net;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MoT.Contracts;
using MoT.Data;
using MoT.Grains.Hosting;
using MoT.Grains.Runs;
using MoT.Silo.Persistence;
using MoT.Silo.Training;
using Npgsql;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;

namespace MoT.Silo;

/// <summary>Turns <see cref="SiloHostOptions"/> and <see cref="ClusteringOptions"/> into a configured silo.</summary>
public static class SiloBuilderExtensions
{
    public static ISiloBuilder AddMotSilo(this ISiloBuilder silo, IConfiguration configuration, SiloHostOptions host, ClusteringOptions clustering)
    {
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = host.ClusterId;
            o.ServiceId = host.ServiceId;
        });
        silo.Configure<SiloOptions>(o => o.SiloName = host.Name ?? $"{Environment.MachineName}-{host.SiloPort}");
        silo.UseClustering(host, clustering);
        silo.UseDeploymentHosting(configuration, clustering);

        // One store for grain state, run history, metrics and leaderboard queries (SQLite by default,
        // PostgreSQL for teams), so a restarted control silo continues where it stopped.
        silo.Services.AddMotData(configuration);
        silo.Services.AddKeyedSingleton<IGrainStorage>(StorageNames.Main, (sp, _) =>
            new EfGrainStorage(sp.GetRequiredService<IDbContextFactory<MotDbContext>>(), sp.GetRequiredService<Serializer>()));
        if (host.HasControl)
        {
            silo.Services.AddSingleton<IRunRecordSink, EfRunRecordSink>();
            silo.AddControlRole(configuration);
        }

        if (host.HasGpu)
        {
            if (host.Simulate)
            {
                silo.Services.AddSimulatedTraining(configuration);
            }
            else
            {
                silo.Services.AddTorchTraining();
            }

            silo.Services.RecordTrainingMetrics();

            silo.AddGpuRole(configuration);
        }

        return silo;
    }

    private static void UseClustering(this ISiloBuilder silo, SiloHostOptions host, ClusteringOptions clustering)
    {
        if (string.IsNullOrWhiteSpace(clustering.ProviderType))
        {
            var primary = host.SiloPort == host.PrimarySiloPort ? null : new IPEndPoint(IPAddress.Loopback, host.PrimarySiloPort);
            silo.UseLocalhostClustering(host.SiloPort, host.GatewayPort, primary, host.ServiceId, host.ClusterId);
            return;
        }

        if (!string.Equals(clustering.ProviderType, "AdoNet", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"Orleans:Clustering:ProviderType '{clustering.ProviderType}' is not supported; use AdoNet or leave it unset for localhost.");
        }

        if (string.IsNullOrWhiteSpace(clustering.ConnectionString))
        {
            throw new InvalidOperationException("Orleans:Clustering:ConnectionString is required when Orleans:Clustering:ProviderType is AdoNet.");
        }

        // Orleans configures AdoNet clustering from the same section; it needs the provider factory and our endpoints.
        if (clustering.Invariant == "Npgsql")
        {
            DbProviderFactories.RegisterFactory("Npgsql", NpgsqlFactory.Instance);
        }

        silo.Services.PostConfigure<AdoNetClusteringSiloOptions>(o =>
        {
            o.Invariant = string.IsNullOrWhiteSpace(o.Invariant) ? clustering.Invariant : o.Invariant;
            o.ConnectionString ??= clustering.ConnectionString;
        });
        silo.ConfigureEndpoints(host.SiloPort, host.GatewayPort);
    }
}
