using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace MoT.Data;

/// <summary>Schema management: applies the provider's migrations (start-up of the embedded host, <c>mot db migrate</c>).</summary>
public sealed class MotDatabase(IDbContextFactory<MotDbContext> contexts, MotDataOptions options)
{
    /// <summary>Applies all pending migrations; creates the SQLite file (and its directory) if missing.</summary>
    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        if (options.Provider == DatabaseProvider.Sqlite)
        {
            var file = new SqliteConnectionStringBuilder(options.ConnectionString).DataSource;
            var directory = Path.GetDirectoryName(Path.GetFullPath(file));
            if (!string.IsNullOrEmpty(directory) && file != ":memory:")
                Directory.CreateDirectory(directory);
        }

        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);

        if (options.Provider == DatabaseProvider.Sqlite)
        {
            // WAL lets the dashboard read while a trainer's ingest writes; it is persistent per file.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }
    }

    /// <summary>Applies migrations using the services registered by <c>AddMotData</c>.</summary>
    public static Task MigrateAsync(IServiceProvider services, CancellationToken cancellationToken = default) =>
        services.GetRequiredService<MotDatabase>().MigrateAsync(cancellationToken);

    /// <summary>The migrations already applied, oldest first.</summary>
    public async Task<IReadOnlyList<string>> GetAppliedMigrationsAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        return [.. await db.Database.GetAppliedMigrationsAsync(cancellationToken)];
    }
}
