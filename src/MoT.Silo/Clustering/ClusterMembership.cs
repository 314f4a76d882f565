using System.Data.Common;
using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MoT.Data;
using Npgsql;
using Orleans.Configuration;

namespace MoT.Silo;

/// <summary>
/// One place that turns <see cref="ClusteringOptions"/> into membership for silos and clients (dashboard, <c>mot sweep</c>):
/// localhost clustering on one machine, ADO.NET clustering on the platform's PostgreSQL across machines.
/// </summary>
public static class ClusterMembership
{
    public static ClusteringOptions Read(IConfiguration configuration) =>
        configuration.GetSection(ClusteringOptions.Section).Get<ClusteringOptions>() ?? new ClusteringOptions();

    public static ISiloBuilder UseMotClustering(this ISiloBuilder silo, SiloHostOptions host, ClusteringOptions clustering)
    {
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = host.ClusterId;
            o.ServiceId = host.ServiceId;
        });
        if (!RequireValid(clustering))
        {
            var primary = host.SiloPort == host.PrimarySiloPort ? null : new IPEndPoint(IPAddress.Loopback, host.PrimarySiloPort);
            silo.UseLocalhostClustering(host.SiloPort, host.GatewayPort, primary, host.ServiceId, host.ClusterId);
            // One machine: the cluster's ports are internal, so they listen on loopback only, never on every interface.
            // People reach the platform through the dashboard; its gateway has no user authentication.
            silo.Services.PostConfigure<EndpointOptions>(o =>
            {
                o.SiloListeningEndpoint = new IPEndPoint(IPAddress.Loopback, o.SiloPort);
                o.GatewayListeningEndpoint = o.GatewayPort > 0 ? new IPEndPoint(IPAddress.Loopback, o.GatewayPort) : null;
            });
            return silo;
        }

        silo.Services.PostConfigure<AdoNetClusteringSiloOptions>(o =>
        {
            o.Invariant = string.IsNullOrWhiteSpace(o.Invariant) ? clustering.Invariant : o.Invariant;
            o.ConnectionString = ConnectionString(o.Invariant, o.ConnectionString ?? clustering.ConnectionString!);
        });
        silo.ConfigureEndpoints(host.SiloPort, host.GatewayPort);
        return silo;
    }

    /// <summary>A client of the cluster: through the membership table, or the gateway on <paramref name="localGatewayPort"/> of this machine.</summary>
    public static IClientBuilder UseMotClustering(this IClientBuilder client, ClusteringOptions clustering, int localGatewayPort,
        string serviceId = "mot-platform", string clusterId = "mot")
    {
        client.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = clusterId;
            o.ServiceId = serviceId;
        });
        if (!RequireValid(clustering))
        {
            client.UseLocalhostClustering(localGatewayPort, serviceId, clusterId);
            return client;
        }

        client.Services.PostConfigure<AdoNetClusteringClientOptions>(o =>
        {
            o.Invariant = string.IsNullOrWhiteSpace(o.Invariant) ? clustering.Invariant : o.Invariant;
            o.ConnectionString = ConnectionString(o.Invariant, o.ConnectionString ?? clustering.ConnectionString!);
        });
        return client;
    }

    /// <summary>
    /// The membership tables live in the platform's schema (created by our migrations), and Orleans reads its query
    /// catalogue by unqualified name: put that schema first on the search path unless the connection string chose one.
    /// </summary>
    public static string ConnectionString(string invariant, string connectionString)
    {
        if (invariant != "Npgsql") return connectionString;
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrWhiteSpace(builder.SearchPath)) builder.SearchPath = $"{MotDbContext.PostgresSchema},public";
        return builder.ConnectionString;
    }

    /// <summary>False for localhost clustering; true for a complete ADO.NET setting (its driver registered); a clear error otherwise.</summary>
    private static bool RequireValid(ClusteringOptions clustering)
    {
        if (string.IsNullOrWhiteSpace(clustering.ProviderType)) return false;
        if (!clustering.IsAdoNet)
            throw new InvalidOperationException($"Orleans:Clustering:ProviderType '{clustering.ProviderType}' is not supported; use AdoNet or leave it unset for localhost.");
        if (string.IsNullOrWhiteSpace(clustering.ConnectionString))
            throw new InvalidOperationException("Orleans:Clustering:ConnectionString is required when Orleans:Clustering:ProviderType is AdoNet.");
        // The ADO.NET provider finds its driver by invariant name; register ours rather than rely on assembly probing.
        if (clustering.Invariant == "Npgsql") DbProviderFactories.RegisterFactory("Npgsql", NpgsqlFactory.Instance);
        return true;
    }
}
