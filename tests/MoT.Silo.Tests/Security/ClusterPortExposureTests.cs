using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using MoT.Contracts.Scheduling;
using MoT.Grains.Tests.Processes;

namespace MoT.Silo.Tests.Security;

/// <summary>
/// The default one-machine setup (<c>MoT.Silo --role all</c>, and the dashboard hosting the same silo) keeps the
/// cluster's ports internal: the gateway has no user authentication, so nothing off this machine may reach it.
/// </summary>
public sealed class ClusterPortExposureTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mot-exposure-").FullName;

    [Fact]
    public async Task In_the_default_setup_silo_and_gateway_ports_answer_on_loopback_only()
    {
        var external = ClusterProcesses.NonLoopbackIPv4();
        Assert.True(external is not null,
            "this machine has no non-loopback IPv4 interface that is up, so exposure on another address cannot be probed here");
        // The probe itself must be able to reach that address: a listener there is reachable, so a refusal below is the silo's doing.
        using (var control = new TcpListener(external!, 0))
        {
            control.Start();
            Assert.True(await ClusterProcesses.AcceptsAsync(external!, ((IPEndPoint)control.LocalEndpoint).Port),
                $"a listener on {external} is not reachable from this machine; the probe would prove nothing");
        }

        var (siloPort, gatewayPort) = (SiloProcess.FreePort(), SiloProcess.FreePort());
        var clusterId = $"mot-test-{Guid.NewGuid():N}";
        using var silo = ClusterProcesses.StartSilo("exposure", "all", siloPort, siloPort, gatewayPort, clusterId, _directory);
        using var client = await SiloProcess.ConnectClientAsync(silo, c => c.UseLocalhostClustering(gatewayPort, "mot-platform", clusterId));
        await client.Services.GetRequiredService<IClusterClient>().GetGrain<ISchedulerGrain>(0).GetSnapshotAsync(); // the silo serves

        Assert.True(await ClusterProcesses.AcceptsAsync(IPAddress.Loopback, gatewayPort), $"gateway not on loopback:\n{silo.Output()}");
        Assert.True(await ClusterProcesses.AcceptsAsync(IPAddress.Loopback, siloPort), $"silo port not on loopback:\n{silo.Output()}");
        Assert.False(await ClusterProcesses.AcceptsAsync(external!, gatewayPort), $"the gateway port {gatewayPort} accepts connections on {external}");
        Assert.False(await ClusterProcesses.AcceptsAsync(external!, siloPort), $"the silo port {siloPort} accepts connections on {external}");
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
