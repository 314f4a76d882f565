using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Orleans.Connections.Security;

namespace MoT.Silo;

/// <summary>
/// Applies <see cref="ClusterTlsOptions"/> to a silo (silo-to-silo and gateway connections) or a client (its gateway
/// connections): one setting for the silos, the dashboard and <c>mot</c>. Mutual: a peer without a trusted
/// certificate, or one speaking plain TCP, is refused during the handshake.
/// </summary>
public static class ClusterTls
{
    public static ClusterTlsOptions Read(IConfiguration configuration) =>
        configuration.GetSection(ClusterTlsOptions.Section).Get<ClusterTlsOptions>() ?? new ClusterTlsOptions();

    public static ISiloBuilder UseMotTls(this ISiloBuilder silo, IConfiguration configuration) =>
        Credentials(configuration) is { } c ? silo.UseTls(c.Certificate, tls => Configure(tls, c.Certificate, c.TrustedCa)) : silo;

    public static IClientBuilder UseMotTls(this IClientBuilder client, IConfiguration configuration) =>
        Credentials(configuration) is { } c ? client.UseTls(c.Certificate, tls => Configure(tls, c.Certificate, c.TrustedCa)) : client;

    /// <summary>This host's certificate and the cluster authority it trusts; null when TLS is off.</summary>
    private static (X509Certificate2 Certificate, X509Certificate2? TrustedCa)? Credentials(IConfiguration configuration)
    {
        var options = Read(configuration);
        return options.Enabled ? (ClusterCertificates.Load(options), ClusterCertificates.LoadTrustedCa(options)) : null;
    }

    private static void Configure(TlsOptions tls, X509Certificate2 certificate, X509Certificate2? trustedCa)
    {
        tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
        tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate; // the gateway admits only holders of a cluster certificate
        tls.RemoteCertificateValidation = (remote, _, errors) => ClusterCertificates.Validate(remote, errors, certificate, trustedCa);
    }
}
