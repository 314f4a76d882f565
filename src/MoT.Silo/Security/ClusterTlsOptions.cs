namespace MoT.Silo;

/// <summary>
/// TLS on the cluster's own connections (section <c>Orleans:Tls</c>): silo to silo and client (dashboard, <c>mot</c>) to
/// gateway. Off while <see cref="CertificatePath"/> is empty. When on, both ends present a certificate and accept only
/// peers whose certificate chains to <see cref="TrustedCaPath"/>, or, without one, is the very same certificate (one
/// certificate shared by the whole cluster). Names in certificates are not checked: peers are reached by IP address.
/// </summary>
public sealed class ClusterTlsOptions
{
    public const string Section = "Orleans:Tls";

    /// <summary>A PKCS#12 file (<c>.pfx</c>/<c>.p12</c>) with certificate and private key, or a PEM certificate (<c>.pem</c>/<c>.crt</c>).</summary>
    public string? CertificatePath { get; set; }

    /// <summary>Password of the PKCS#12 file, or of an encrypted PEM private key; empty for none.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>PEM private key, when the PEM certificate file does not contain it.</summary>
    public string? KeyPath { get; set; }

    /// <summary>PEM certificate of the authority that issued every silo's and client's certificate; empty: the same certificate everywhere.</summary>
    public string? TrustedCaPath { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(CertificatePath);
}
