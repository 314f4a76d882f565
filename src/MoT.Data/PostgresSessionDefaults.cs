using Npgsql;

namespace MoT.Data;

/// <summary>
/// Settings every PostgreSQL session of the store starts with, passed as startup options of the connection string
/// (no extra round trip, and they survive the reset a pooled connection gets when it is returned).
/// </summary>
/// <remarks>
/// JIT compilation is turned off. The store's queries are short and interactive, but on a large table the planner's cost
/// estimates cross PostgreSQL's JIT thresholds: at 100 million metric points the run page's curve query spent about
/// 1.9 s of its 2.3 s compiling (<c>mot bench store</c>), and JIT never paid for itself on any store query measured.
/// A connection string that sets <c>jit</c> in its own <c>Options</c> keeps its choice.
/// </remarks>
public static class PostgresSessionDefaults
{
    public const string JitOff = "-c jit=off";

    /// <summary>The connection string with the store's session settings added to its <c>Options</c>.</summary>
    public static string Apply(string connectionString)
    {
        var builder = new NpgsqlConnectionStringBuilder(connectionString);
        if (builder.Options?.Contains("jit", StringComparison.OrdinalIgnoreCase) == true) return connectionString;
        builder.Options = string.IsNullOrWhiteSpace(builder.Options) ? JitOff : $"{builder.Options} {JitOff}";
        return builder.ConnectionString;
    }
}
