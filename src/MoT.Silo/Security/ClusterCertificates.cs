using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MoT.Silo;

/// <summary>Loads the cluster certificate named by <see cref="ClusterTlsOptions"/> and decides which peers to trust.</summary>
public static class ClusterCertificates
{
    /// <summary>The certificate with its private key; one clear error naming the setting when a file is missing or unreadable.</summary>
    public static X509Certificate2 Load(ClusterTlsOptions options)
    {
        var path = options.CertificatePath?.Trim() ?? throw new InvalidOperationException($"{ClusterTlsOptions.Section}:CertificatePath is not set.");
        if (!File.Exists(path)) throw new InvalidOperationException($"{ClusterTlsOptions.Section}:CertificatePath '{path}' does not exist.");
        var password = string.IsNullOrEmpty(options.CertificatePassword) ? null : options.CertificatePassword;
        X509Certificate2 certificate;
        try
        {
            certificate = IsPem(path) ? LoadPem(path, options.KeyPath, password) : X509CertificateLoader.LoadPkcs12FromFile(path, password);
        }
        catch (CryptographicException error)
        {
            throw new InvalidOperationException(
                $"{ClusterTlsOptions.Section}:CertificatePath '{path}' could not be read ({error.Message.TrimEnd('.')}); check the file and {ClusterTlsOptions.Section}:CertificatePassword.");
        }

        if (!certificate.HasPrivateKey)
            throw new InvalidOperationException($"{ClusterTlsOptions.Section}:CertificatePath '{path}' has no private key; give a PKCS#12 file or set {ClusterTlsOptions.Section}:KeyPath.");
        return certificate;
    }

    /// <summary>The issuing authority of <see cref="ClusterTlsOptions.TrustedCaPath"/>, or null when the cluster shares one certificate.</summary>
    public static X509Certificate2? LoadTrustedCa(ClusterTlsOptions options)
    {
        if (string.IsNullOrWhiteSpace(options.TrustedCaPath)) return null;
        var path = options.TrustedCaPath.Trim();
        if (!File.Exists(path)) throw new InvalidOperationException($"{ClusterTlsOptions.Section}:TrustedCaPath '{path}' does not exist.");
        return X509CertificateLoader.LoadCertificateFromFile(path);
    }

    /// <summary>
    /// True when <paramref name="remote"/> is a cluster member: issued by <paramref name="trustedCa"/> (chain built against
    /// it alone), or, without an authority, the same certificate as <paramref name="local"/>. Host names are not compared.
    /// </summary>
    public static bool IsTrustedPeer(X509Certificate2? remote, X509Certificate2 local, X509Certificate2? trustedCa)
    {
        if (remote is null) return false;
        if (trustedCa is null) return remote.RawDataMemory.Span.SequenceEqual(local.RawDataMemory.Span);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(trustedCa);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck; // a private cluster authority publishes no revocation list
        return chain.Build(remote);
    }

    /// <summary>Adapter for the TLS callback: policy errors are ignored because <see cref="IsTrustedPeer"/> is the whole decision.</summary>
    public static bool Validate(X509Certificate2? remote, SslPolicyErrors _, X509Certificate2 local, X509Certificate2? trustedCa) =>
        IsTrustedPeer(remote, local, trustedCa);

    private static bool IsPem(string path) =>
        File.ReadAllText(path).Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal);

    private static X509Certificate2 LoadPem(string certificatePath, string? keyPath, string? password)
    {
        var key = string.IsNullOrWhiteSpace(keyPath) ? null : keyPath.Trim();
        if (key is not null && !File.Exists(key)) throw new InvalidOperationException($"{ClusterTlsOptions.Section}:KeyPath '{key}' does not exist.");
        var pem = password is null
            ? X509Certificate2.CreateFromPemFile(certificatePath, key)
            : X509Certificate2.CreateFromEncryptedPemFile(certificatePath, password, key);
        // An ephemeral PEM key cannot be used by SslStream on every platform; a PKCS#12 round trip makes it a persisted one.
        using (pem)
            return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}
