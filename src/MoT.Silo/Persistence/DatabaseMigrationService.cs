using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MoT.Data;

namespace MoT.Silo.Persistence;

/// <summary>Applies the store's migrations before the silo starts (embedded and all-in-one hosts).
/// Team deployments run <c>mot db migrate</c> as a separate step and set Database:MigrateOnStart=false.</summary>
public sealed class DatabaseMigrationService(MotDatabase database, ILogger<DatabaseMigrationService> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await database.MigrateAsync(cancellationToken);
        logger.LogInformation("Database schema is up to date");
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}

public static class DatabaseMigrationRegistration
{
    /// <summary>Registers the migration step; call before UseOrleans so it runs before the silo starts.</summary>
    public static IServiceCollection AddDatabaseMigrationOnStart(this IServiceCollection services) =>
        services.AddHostedService<DatabaseMigrationService>();
}
