namespace MoT.Dashboard.Hosting;

/// <summary>Dashboard settings (section <c>Dashboard</c>).</summary>
public sealed class DashboardOptions
{
    public const string Section = "Dashboard";

    /// <summary><c>AllInOne</c> (default): co-host a silo with role all, the SQLite store and a local worker. <c>Client</c>: join a running cluster's gateway.</summary>
    public string Mode { get; set; } = "AllInOne";

    /// <summary>Where run history comes from: <c>Grains</c> (until the grains write runs to the database) or <c>Database</c>.</summary>
    public string RunHistory { get; set; } = "Database";

    /// <summary>Client mode: the gateway port of the local cluster.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Eval set and tokenizer new runs use (they also pick the leaderboard shown first).</summary>
    public string DefaultEvalSet { get; set; } = "demo-eval";

    public string DefaultTokenizer { get; set; } = "bytes";

    public bool IsAllInOne => string.Equals(Mode, "AllInOne", StringComparison.OrdinalIgnoreCase);
}
