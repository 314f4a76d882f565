namespace MoT.Silo;

/// <summary>
/// Cluster membership, in Orleans' own configuration shape (section "Orleans:Clustering"): absent means localhost
/// clustering; <c>Orleans:Clustering:ProviderType=AdoNet</c> with <c>Orleans:Clustering:ConnectionString</c> (and
/// <c>Orleans:Clustering:Invariant</c>, default Npgsql) joins the PostgreSQL-backed cluster, whose tables
/// <c>mot db migrate</c> creates. Orleans builds the provider from this section; <see cref="ClusterMembership"/> adds
/// what it cannot know (our schema on the search path, our endpoints).
/// </summary>
public sealed class ClusteringOptions
{
    public const string Section = "Orleans:Clustering";

    /// <summary>Null (localhost) or AdoNet.</summary>
    public string? ProviderType { get; set; }

    public string? ConnectionString { get; set; }

    public string Invariant { get; set; } = "Npgsql";

    public bool IsAdoNet => string.Equals(ProviderType, "AdoNet", StringComparison.OrdinalIgnoreCase);
}
