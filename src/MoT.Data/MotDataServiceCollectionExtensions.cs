using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using MoT.Data.Ingest;
using MoT.Data.Queries;

namespace MoT.Data;

/// <summary>Registers the platform's persistence: context factory, metric ingest, run and leaderboard queries.</summary>
public static class MotDataServiceCollectionExtensions
{
    /// <summary>
    /// Reads <c>Database:Provider</c> (Sqlite | PostgreSQL) and <c>Database:ConnectionString</c>; without a
    /// connection string uses SQLite file <c>mot.db</c> in <c>Database:DataDirectory</c> (default ./data).
    /// </summary>
    public static IServiceCollection AddMotData(this IServiceCollection services, IConfiguration configuration)
    {
        var section = configuration.GetSection("Database");
        var provider = MotDataOptions.ParseProvider(section["Provider"]);
        var connectionString = section["ConnectionString"];
        MotDataOptions options;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            if (provider == DatabaseProvider.PostgreSQL)
                throw new InvalidOperationException(
                    "Database:Provider is PostgreSQL but Database:ConnectionString is empty.");
            var dataDirectory = section["DataDirectory"];
            options = MotDataOptions.DefaultSqlite(string.IsNullOrWhiteSpace(dataDirectory)
                ? Path.Combine(Environment.CurrentDirectory, "data")
                : dataDirectory);
        }
        else options = new MotDataOptions(provider, connectionString);
        services.TryAddSingleton(FilterLimits.Read(configuration));
        return services.AddMotData(options);
    }

    /// <summary>Registers persistence for already-resolved options.</summary>
    public static IServiceCollection AddMotData(this IServiceCollection services, MotDataOptions options)
    {
        services.TryAddSingleton(options);
        services.AddPooledDbContextFactory<MotDbContext>(options.Configure);
        services.TryAddSingleton(MetricIngestorOptions.Default);
        services.TryAddSingleton<IMetricBatchWriter>(_ => MetricBatchWriter.Create(options));
        services.TryAddSingleton<MetricIngestor>();
        services.TryAddSingleton<IMetricSink>(sp => sp.GetRequiredService<MetricIngestor>());
        services.TryAddSingleton(RunLogs.RunLogLimits.Default);
        services.TryAddSingleton<RunLogs.RunLogWriter>();
        services.TryAddSingleton<RunLogs.RunLogIngestor>();
        services.TryAddSingleton<RunLogs.RunLogQuery>();
        services.TryAddSingleton<MotDatabase>();
        services.TryAddSingleton(FilterLimits.Default);
        services.TryAddSingleton<RunQueryService>();
        services.TryAddSingleton<LeaderboardQuery>();
        services.TryAddSingleton<RunCurvesQuery>();
        services.TryAddSingleton<Annotations.RunAnnotations>();
        services.TryAddSingleton<RunGroups>();
        services.TryAddSingleton<Checkpoints.CheckpointStore>();
        return services;
    }
}
