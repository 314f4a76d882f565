using Microsoft.EntityFrameworkCore;

namespace MoT.Data;

/// <summary>Which database the platform uses.</summary>
public enum DatabaseProvider
{
    Sqlite,
    PostgreSQL,
}

/// <summary>Resolved database settings (section <c>Database</c>: Provider, ConnectionString, DataDirectory).</summary>
public sealed record MotDataOptions(DatabaseProvider Provider, string ConnectionString)
{
    public const string SqliteMigrationsAssembly = "MoT.Migrations.Sqlite";
    public const string PostgresMigrationsAssembly = "MoT.Migrations.PostgreSQL";

    /// <summary>The embedded default: SQLite file <c>mot.db</c> in <paramref name="dataDirectory"/>.</summary>
    public static MotDataOptions DefaultSqlite(string dataDirectory) =>
        new(DatabaseProvider.Sqlite, $"Data Source={Path.Combine(dataDirectory, "mot.db")}");

    /// <summary>Applies provider, connection string and migrations assembly to a context options builder.</summary>
    public void Configure(DbContextOptionsBuilder builder)
    {
        switch (Provider)
        {
            case DatabaseProvider.PostgreSQL:
                builder.UseNpgsql(PostgresSessionDefaults.Apply(ConnectionString), npgsql => npgsql
                    .MigrationsAssembly(PostgresMigrationsAssembly)
                    .MigrationsHistoryTable("__EFMigrationsHistory", MotDbContext.PostgresSchema));
                break;
            case DatabaseProvider.Sqlite:
                builder.UseSqlite(ConnectionString, sqlite => sqlite.MigrationsAssembly(SqliteMigrationsAssembly))
                    .AddInterceptors(SqliteFunctionsInterceptor.Instance);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(Provider), Provider, "unknown database provider");
        }
        builder.ReplaceService<Microsoft.EntityFrameworkCore.Infrastructure.IModelCacheKeyFactory, ProviderModelCacheKeyFactory>();
    }

    /// <summary>Parses a provider name as written in configuration (case-insensitive; "Postgres" accepted).</summary>
    public static DatabaseProvider ParseProvider(string? value) => value?.Trim().ToLowerInvariant() switch
    {
        null or "" or "sqlite" => DatabaseProvider.Sqlite,
        "postgresql" or "postgres" or "npgsql" => DatabaseProvider.PostgreSQL,
        _ => throw new InvalidOperationException(
            $"Database:Provider '{value}' is not supported; use 'Sqlite' or 'PostgreSQL'."),
    };
}
