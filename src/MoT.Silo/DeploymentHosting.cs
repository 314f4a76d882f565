using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;

namespace MoT.Silo;

/// <summary>
/// What a silo needs beyond clustering when it runs on several machines: the address other machines reach it on
/// (<c>Orleans:Endpoints:AdvertisedIPAddress</c>) and Orleans' Kubernetes pod integration
/// (<c>Orleans:Kubernetes:Enabled</c>). Both sit on top of ADO.NET clustering, which keeps the membership table.
/// </summary>
public static class DeploymentHosting
{
    public const string KubernetesEnabledKey = "Orleans:Kubernetes:Enabled";

    public const string AdvertisedIPAddressKey = "Orleans:Endpoints:AdvertisedIPAddress";

    public const string ListenIPAddressKey = "Orleans:Endpoints:ListenIPAddress";

    /// <summary>
    /// Kubernetes hosting is on exactly when <c>Orleans:Kubernetes:Enabled</c> is true (the manifests set it; nothing is
    /// guessed from the environment). It only adds pod lifecycle (silo name = pod, defunct silos' pods deleted), so it
    /// requires <c>Orleans:Clustering:ProviderType=AdoNet</c>.
    /// </summary>
    public static bool IsKubernetesHostingEnabled(IConfiguration configuration, ClusteringOptions clustering)
    {
        var value = configuration[KubernetesEnabledKey];
        if (string.IsNullOrWhiteSpace(value))
        {
            return false;
        }

        if (!bool.TryParse(value, out var enabled))
        {
            throw new InvalidOperationException($"{KubernetesEnabledKey} '{value}' is not true or false.");
        }

        if (enabled && !clustering.IsAdoNet)
        {
            throw new InvalidOperationException(
                $"{KubernetesEnabledKey}=true needs {ClusteringOptions.Section}:ProviderType=AdoNet: Kubernetes hosting manages pods, the membership table stays in PostgreSQL.");
        }

        return enabled;
    }

    /// <summary>
    /// The address this silo advertises to the others, when configured (a gpu silo on another machine behind NAT or on
    /// a host with several interfaces); null leaves Orleans' own choice. Only meaningful with AdoNet clustering.
    /// </summary>
    public static IPAddress? AdvertisedIPAddress(IConfiguration configuration, ClusteringOptions clustering)
    {
        var value = configuration[AdvertisedIPAddressKey];
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (!IPAddress.TryParse(value.Trim(), out var address))
        {
            throw new InvalidOperationException($"{AdvertisedIPAddressKey} '{value}' is not an IP address.");
        }

        if (!clustering.IsAdoNet)
        {
            throw new InvalidOperationException(
                $"{AdvertisedIPAddressKey} is set but {ClusteringOptions.Section}:ProviderType is not AdoNet; localhost clustering always advertises the loopback address.");
        }

        return address;
    }

    /// <summary>
    /// The local address the silo and gateway ports listen on with an advertised address: <c>Orleans:Endpoints:ListenIPAddress</c>
    /// (a host-networked silo sets its cluster-network address, so no other interface sees the ports), else every
    /// interface (in a container the advertised address is the host's, and the container's own network is private).
    /// </summary>
    public static IPAddress ListenIPAddress(IConfiguration configuration)
    {
        var value = configuration[ListenIPAddressKey];
        if (string.IsNullOrWhiteSpace(value)) return IPAddress.Any;
        return IPAddress.TryParse(value.Trim(), out var address)
            ? address
            : throw new InvalidOperationException($"{ListenIPAddressKey} '{value}' is not an IP address.");
    }

    /// <summary>Applies the advertised address and Kubernetes hosting that configuration asks for; call after the endpoints are configured.</summary>
    public static ISiloBuilder UseDeploymentHosting(this ISiloBuilder silo, IConfiguration configuration, ClusteringOptions clustering)
    {
        if (AdvertisedIPAddress(configuration, clustering) is { } address)
        {
            var listen = ListenIPAddress(configuration);
            silo.Services.PostConfigure<EndpointOptions>(o =>
            {
                o.AdvertisedIPAddress = address;
                o.SiloListeningEndpoint = new IPEndPoint(listen, o.SiloPort);
                o.GatewayListeningEndpoint = o.GatewayPort > 0 ? new IPEndPoint(listen, o.GatewayPort) : null;
            });
        }

        if (IsKubernetesHostingEnabled(configuration, clustering))
        {
            silo.UseKubernetesHosting();
        }

        return silo;
    }
}
