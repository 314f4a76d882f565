using MoT.Grains.Tests.Processes;
using MoT.Silo.Tests.Security;

namespace MoT.Cli.Tests;

/// <summary><c>mot sweep</c> against a silo whose gateway requires TLS: the operator's <c>MOT_Orleans__Tls__*</c> setting is what gets it in.</summary>
public sealed class ClusterTlsCliTests
{
    [Fact]
    public async Task Sweep_status_reaches_a_TLS_gateway_with_the_certificate_setting_and_is_refused_without_it()
    {
        using var scratch = new ScratchFolder();
        using var certificate = TestCertificates.SelfSigned();
        var pfx = TestCertificates.WritePfx(certificate, scratch.Path, "operator-secret");
        var (siloPort, gatewayPort) = (SiloProcess.FreePort(), SiloProcess.FreePort());
        using var silo = SiloProcess.Start("all", [
            "--role", "all", "--simulate",
            "--Silo:SiloPort", siloPort.ToString(), "--Silo:PrimarySiloPort", siloPort.ToString(), "--Silo:GatewayPort", gatewayPort.ToString(),
            "--GpuSlots:OutputRoot", Path.Combine(scratch.Path, "runs"), "--Logging:LogLevel:Default", "Warning",
            "--Orleans:Tls:CertificatePath", pfx, "--Orleans:Tls:CertificatePassword", "operator-secret",
        ], scratch.Path);
        var tls = new Dictionary<string, string?> { ["MOT_Orleans__Tls__CertificatePath"] = pfx, ["MOT_Orleans__Tls__CertificatePassword"] = "operator-secret" };
        var unknownSweep = Guid.NewGuid().ToString();
        string[] status = ["sweep", "status", unknownSweep, "--gateway-port", gatewayPort.ToString(), "--connect-timeout", "20"];

        // Ready when an operator with the certificate gets the cluster's own answer (retried while the silo starts).
        MotProcess.Result withCertificate;
        var deadline = DateTime.UtcNow.AddSeconds(120);
        do
        {
            Assert.False(silo.HasExited, silo.Output());
            withCertificate = await MotProcess.RunWithEnvironmentAsync(scratch.Path, tls, status);
        }
        while (!withCertificate.Error.Contains("was submitted to this cluster") && DateTime.UtcNow < deadline);
        var plain = await MotProcess.RunAsync(scratch.Path, status);

        Assert.True(withCertificate.Error.Contains($"no sweep {unknownSweep} was submitted to this cluster"), $"{withCertificate.Error}\nsilo:\n{silo.Output()}");
        Assert.Equal(1, plain.ExitCode);
        Assert.DoesNotContain("was submitted to this cluster", plain.Error);
        Assert.True(plain.Error.Contains("cannot reach") || plain.Error.Contains("no answer from"), plain.Error);
        Assert.DoesNotContain("   at ", plain.Error);
    }
}
