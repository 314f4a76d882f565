using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MoT.Contracts.Scheduling;
using MoT.Grains.Tests.Processes;

namespace MoT.Silo.Tests.Security;

/// <summary>
/// Orleans:Tls on real processes over loopback: a control silo and a gpu silo share a self-signed certificate. The gpu
/// silo's slots reaching the control silo's scheduler proves silo-to-silo traffic; a client with the certificate calls
/// through the gateway; a client speaking plain TCP, or holding another certificate, is refused.
/// </summary>
public sealed class ClusterTlsProcessTests : IDisposable
{
    private const string Password = "cluster-secret";
    private readonly string _directory = Directory.CreateTempSubdirectory("mot-tls-process-").FullName;
    private readonly string _clusterId = $"mot-test-{Guid.NewGuid():N}";

    [Fact]
    public async Task With_TLS_silos_join_each_other_a_client_holding_the_certificate_calls_and_other_clients_are_refused()
    {
        using var certificate = TestCertificates.SelfSigned();
        var pfx = TestCertificates.WritePfx(certificate, _directory, Password);
        using var stranger = TestCertificates.SelfSigned();
        var strangerPfx = TestCertificates.WritePfx(stranger, _directory, Password);
        string[] tls = ["--Orleans:Tls:CertificatePath", pfx, "--Orleans:Tls:CertificatePassword", Password];
        var (controlPort, controlGateway) = (SiloProcess.FreePort(), SiloProcess.FreePort());
        using var control = ClusterProcesses.StartSilo("control", "control", controlPort, controlPort, controlGateway, _clusterId, _directory, tls);
        using var gpu = ClusterProcesses.StartSilo("gpu-tls", "gpu", SiloProcess.FreePort(), controlPort, SiloProcess.FreePort(), _clusterId, _directory, tls);
        string Diagnostics() => $"control:\n{control.Output()}\ngpu:\n{gpu.Output()}";

        using var client = await SiloProcess.ConnectClientAsync(control, c => ConfigureClient(c, controlGateway, pfx));
        var scheduler = client.Services.GetRequiredService<IClusterClient>().GetGrain<ISchedulerGrain>(0);
        var snapshot = await ClusterProcesses.WaitAsync(scheduler.GetSnapshotAsync, s => s.Slots.Any(x => x.Info.SiloName == "gpu-tls"),
            "the gpu silo's slots to register with the control silo over TLS", TimeSpan.FromSeconds(120), Diagnostics);

        Assert.Contains(snapshot.Slots, s => s.Info.SiloName == "gpu-tls" && !s.Lost);
        var plain = await TryConnectAsync(c => c.UseLocalhostClustering(controlGateway, "mot-platform", _clusterId));
        var foreign = await TryConnectAsync(c => ConfigureClient(c, controlGateway, strangerPfx));
        Assert.True(plain is not null, $"a plain TCP client connected to a TLS gateway\n{Diagnostics()}");
        Assert.True(foreign is not null, $"a client with a certificate the cluster does not trust connected\n{Diagnostics()}");
        Assert.False(control.HasExited, Diagnostics()); // refusing them did not take the silo down
        Assert.NotNull(await scheduler.GetSnapshotAsync());
    }

    private void ConfigureClient(IClientBuilder client, int gatewayPort, string certificatePath)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Orleans:Tls:CertificatePath"] = certificatePath,
            ["Orleans:Tls:CertificatePassword"] = Password,
        }).Build();
        client.UseLocalhostClustering(gatewayPort, "mot-platform", _clusterId).UseMotTls(configuration);
    }

    /// <summary>The error a client start ends with (null when it connected); bounded, as a refused client must not hang.</summary>
    private static async Task<Exception?> TryConnectAsync(Action<IClientBuilder> configure)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(configure);
        using var host = builder.Build();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await host.StartAsync(timeout.Token);
            await host.Services.GetRequiredService<IClusterClient>().GetGrain<ISchedulerGrain>(0).GetSnapshotAsync().WaitAsync(timeout.Token);
            return null;
        }
        catch (Exception error)
        {
            return error;
        }
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

/// <summary>A TLS setting that cannot work stops the silo at once with one line naming it.</summary>
public sealed class ClusterTlsSettingTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mot-tls-setting-").FullName;

    [Fact]
    public async Task A_silo_with_a_missing_certificate_file_exits_1_with_one_line_naming_the_setting()
    {
        var missing = Path.Combine(_directory, "absent.pfx");
        var port = SiloProcess.FreePort();
        using var silo = ClusterProcesses.StartSilo("bad-tls", "all", port, port, SiloProcess.FreePort(), $"mot-test-{Guid.NewGuid():N}", _directory,
            "--Orleans:Tls:CertificatePath", missing);

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(90));

        var output = silo.Output();
        Assert.True(exitCode == 1, $"exit code {exitCode}:\n{output}");
        Assert.Contains($"error: Orleans:Tls:CertificatePath '{missing}' does not exist.", output);
        Assert.DoesNotContain("   at ", output);
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
