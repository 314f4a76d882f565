using System.Net;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Hosting.Kubernetes;

namespace MoT.Silo.Tests.Deployment;

public sealed class DeploymentHostingTests
{
    private static readonly ClusteringOptions AdoNet = new() { ProviderType = "AdoNet", ConnectionString = "Host=db;Database=mot;Username=mot;Password=x" };
    private static readonly ClusteringOptions Localhost = new();

    private static IConfiguration Config(params (string Key, string? Value)[] pairs) =>
        new ConfigurationBuilder().AddInMemoryCollection(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value))).Build();

    [Fact]
    public void Kubernetes_hosting_is_off_unless_configured()
    {
        Assert.False(DeploymentHosting.IsKubernetesHostingEnabled(Config(), AdoNet));
        Assert.False(DeploymentHosting.IsKubernetesHostingEnabled(Config((DeploymentHosting.KubernetesEnabledKey, "")), AdoNet));
        Assert.False(DeploymentHosting.IsKubernetesHostingEnabled(Config((DeploymentHosting.KubernetesEnabledKey, "false")), AdoNet));
    }

    [Fact]
    public void Kubernetes_hosting_is_on_when_enabled_with_AdoNet_clustering()
    {
        Assert.True(DeploymentHosting.IsKubernetesHostingEnabled(Config(("Orleans:Kubernetes:Enabled", "true")), AdoNet));
        Assert.True(DeploymentHosting.IsKubernetesHostingEnabled(Config(("Orleans:Kubernetes:Enabled", "True")), AdoNet));
    }

    [Fact]
    public void Kubernetes_hosting_without_AdoNet_clustering_is_refused_naming_both_settings()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            DeploymentHosting.IsKubernetesHostingEnabled(Config(("Orleans:Kubernetes:Enabled", "true")), Localhost));
        Assert.Contains("Orleans:Kubernetes:Enabled", error.Message);
        Assert.Contains("Orleans:Clustering:ProviderType=AdoNet", error.Message);
    }

    [Fact]
    public void Kubernetes_switch_that_is_not_a_boolean_is_refused_with_its_value()
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            DeploymentHosting.IsKubernetesHostingEnabled(Config(("Orleans:Kubernetes:Enabled", "yes")), AdoNet));
        Assert.Contains("'yes'", error.Message);
    }

    [Fact]
    public void Advertised_address_is_parsed_or_absent()
    {
        Assert.Null(DeploymentHosting.AdvertisedIPAddress(Config(), AdoNet));
        Assert.Null(DeploymentHosting.AdvertisedIPAddress(Config((DeploymentHosting.AdvertisedIPAddressKey, "")), AdoNet));
        Assert.Equal(IPAddress.Parse("10.0.0.6"), DeploymentHosting.AdvertisedIPAddress(Config(("Orleans:Endpoints:AdvertisedIPAddress", " 10.0.0.6 ")), AdoNet));
    }

    [Fact]
    public void Advertised_address_that_is_not_an_IP_or_without_AdoNet_is_refused()
    {
        var notIp = Assert.Throws<InvalidOperationException>(() =>
            DeploymentHosting.AdvertisedIPAddress(Config((DeploymentHosting.AdvertisedIPAddressKey, "gpu-a.local")), AdoNet));
        Assert.Contains("'gpu-a.local'", notIp.Message);
        var localhost = Assert.Throws<InvalidOperationException>(() =>
            DeploymentHosting.AdvertisedIPAddress(Config((DeploymentHosting.AdvertisedIPAddressKey, "10.0.0.6")), Localhost));
        Assert.Contains("AdoNet", localhost.Message);
    }

    [Fact]
    public void A_silo_built_with_an_advertised_address_advertises_it_and_listens_on_every_interface()
    {
        using var host = BuildSilo(("Orleans:Endpoints:AdvertisedIPAddress", "10.0.0.6"), ("Silo:SiloPort", "11211"), ("Silo:GatewayPort", "30100"));

        var endpoints = host.Services.GetRequiredService<IOptions<EndpointOptions>>().Value;

        Assert.Equal(IPAddress.Parse("10.0.0.6"), endpoints.AdvertisedIPAddress);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 11211), endpoints.SiloListeningEndpoint);
        Assert.Equal(new IPEndPoint(IPAddress.Any, 30100), endpoints.GatewayListeningEndpoint);
    }

    [Fact]
    public void A_host_networked_silo_listens_only_on_the_configured_address()
    {
        using var host = BuildSilo(("Orleans:Endpoints:AdvertisedIPAddress", "10.0.0.6"), ("Orleans:Endpoints:ListenIPAddress", "10.0.0.6"),
            ("Silo:SiloPort", "11211"), ("Silo:GatewayPort", "30100"));

        var endpoints = host.Services.GetRequiredService<IOptions<EndpointOptions>>().Value;

        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.0.0.6"), 11211), endpoints.SiloListeningEndpoint);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("10.0.0.6"), 30100), endpoints.GatewayListeningEndpoint);
        var error = Assert.Throws<InvalidOperationException>(() => DeploymentHosting.ListenIPAddress(Config((DeploymentHosting.ListenIPAddressKey, "eth0"))));
        Assert.Contains("Orleans:Endpoints:ListenIPAddress 'eth0' is not an IP address", error.Message);
    }

    [Fact]
    public void The_one_machine_default_listens_on_loopback_only()
    {
        using var host = BuildSilo(adoNet: false, ("Silo:SiloPort", "11211"), ("Silo:GatewayPort", "30100"));

        var endpoints = host.Services.GetRequiredService<IOptions<EndpointOptions>>().Value;

        Assert.Equal(IPAddress.Loopback, endpoints.AdvertisedIPAddress);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 11211), endpoints.SiloListeningEndpoint);
        Assert.Equal(new IPEndPoint(IPAddress.Loopback, 30100), endpoints.GatewayListeningEndpoint);
    }

    [Fact]
    public void A_silo_built_with_the_Kubernetes_switch_registers_Orleans_Kubernetes_hosting_and_one_without_does_not()
    {
        using var kubernetes = BuildSilo(("Orleans:Kubernetes:Enabled", "true"));
        using var plain = BuildSilo();

        Assert.NotEmpty(kubernetes.Services.GetServices<IConfigureOptions<KubernetesHostingOptions>>());
        Assert.Empty(plain.Services.GetServices<IConfigureOptions<KubernetesHostingOptions>>());
    }

    /// <summary>The silo as Program.cs builds it (not started: nothing connects to the database).</summary>
    private static IHost BuildSilo(params (string Key, string? Value)[] settings) => BuildSilo(adoNet: true, settings);

    private static IHost BuildSilo(bool adoNet, params (string Key, string? Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Silo:Role"] = "control",
            ["Database:Provider"] = "PostgreSQL",
            ["Database:ConnectionString"] = AdoNet.ConnectionString,
        });
        if (adoNet)
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Orleans:Clustering:ProviderType"] = "AdoNet",
                ["Orleans:Clustering:ConnectionString"] = AdoNet.ConnectionString,
            });
        builder.Configuration.AddInMemoryCollection(settings.Select(p => new KeyValuePair<string, string?>(p.Key, p.Value)));
        var options = builder.Configuration.GetSection(SiloHostOptions.Section).Get<SiloHostOptions>()!;
        var clustering = ClusterMembership.Read(builder.Configuration);
        builder.UseOrleans(silo => silo.AddMotSilo(builder.Configuration, options, clustering));
        return builder.Build();
    }
}
