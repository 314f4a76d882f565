using System.Security.Cryptography.X509Certificates;

namespace MoT.Silo.Tests.Security;

/// <summary>Which certificate files load, and which peers the cluster trusts.</summary>
public sealed class ClusterCertificatesTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mot-tls-").FullName;

    [Fact]
    public void A_password_protected_pfx_and_a_pem_pair_load_with_their_private_key()
    {
        using var certificate = TestCertificates.SelfSigned();
        var pfx = TestCertificates.WritePfx(certificate, _directory, "s3cret");
        var (pem, key) = TestCertificates.WritePem(certificate, _directory);

        using var fromPfx = ClusterCertificates.Load(new ClusterTlsOptions { CertificatePath = pfx, CertificatePassword = "s3cret" });
        using var fromPem = ClusterCertificates.Load(new ClusterTlsOptions { CertificatePath = pem, KeyPath = key });

        Assert.True(fromPfx.HasPrivateKey);
        Assert.True(fromPem.HasPrivateKey);
        Assert.Equal(certificate.Thumbprint, fromPfx.Thumbprint);
        Assert.Equal(certificate.Thumbprint, fromPem.Thumbprint);
    }

    [Fact]
    public void A_wrong_password_a_missing_file_and_a_certificate_without_key_are_one_line_errors_naming_the_setting()
    {
        using var certificate = TestCertificates.SelfSigned();
        var pfx = TestCertificates.WritePfx(certificate, _directory, "s3cret");
        var (pem, _) = TestCertificates.WritePem(certificate, _directory);
        var missing = Path.Combine(_directory, "absent.pfx");

        var wrongPassword = Assert.Throws<InvalidOperationException>(() => ClusterCertificates.Load(new ClusterTlsOptions { CertificatePath = pfx, CertificatePassword = "guess" }));
        var absent = Assert.Throws<InvalidOperationException>(() => ClusterCertificates.Load(new ClusterTlsOptions { CertificatePath = missing }));
        var keyless = Assert.ThrowsAny<Exception>(() => ClusterCertificates.Load(new ClusterTlsOptions { CertificatePath = pem }));

        Assert.Contains("Orleans:Tls:CertificatePassword", wrongPassword.Message);
        Assert.Contains($"Orleans:Tls:CertificatePath '{missing}' does not exist", absent.Message);
        Assert.Contains("Orleans:Tls:", keyless.Message);
        foreach (var message in new[] { wrongPassword.Message, absent.Message, keyless.Message })
            Assert.DoesNotContain('\n', message);
    }

    [Fact]
    public void Without_an_authority_only_the_shared_certificate_is_a_peer_with_one_only_what_it_issued()
    {
        using var shared = TestCertificates.SelfSigned();
        using var stranger = TestCertificates.SelfSigned("CN=mot-cluster-test"); // same name, other key: names prove nothing
        using var authority = TestCertificates.Authority();
        using var member = TestCertificates.IssuedBy(authority, "CN=gpu-1");
        using var otherAuthority = TestCertificates.Authority("CN=other-ca");
        using var outsider = TestCertificates.IssuedBy(otherAuthority, "CN=gpu-1");

        Assert.True(ClusterCertificates.IsTrustedPeer(shared, shared, trustedCa: null));
        Assert.False(ClusterCertificates.IsTrustedPeer(stranger, shared, trustedCa: null));
        Assert.False(ClusterCertificates.IsTrustedPeer(null, shared, trustedCa: null));
        Assert.True(ClusterCertificates.IsTrustedPeer(member, member, authority));
        Assert.False(ClusterCertificates.IsTrustedPeer(outsider, member, authority));
        Assert.False(ClusterCertificates.IsTrustedPeer(shared, member, authority));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
