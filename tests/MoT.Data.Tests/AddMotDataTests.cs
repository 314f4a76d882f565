using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MoT.Data.Ingest;
using MoT.Data.Queries;

namespace MoT.Data.Tests;

public sealed class AddMotDataTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings) => new ServiceCollection()
        .AddMotData(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
        .BuildServiceProvider();

    [Fact]
    public void Without_settings_the_embedded_sqlite_file_mot_db_in_the_data_directory_is_used()
    {
        using var services = Build(new() { ["Database:DataDirectory"] = "/var/lib/mot" });
        var options = services.GetRequiredService<MotDataOptions>();
        Assert.Equal(DatabaseProvider.Sqlite, options.Provider);
        Assert.Equal("Data Source=/var/lib/mot/mot.db", options.ConnectionString);
        using var db = services.GetRequiredService<IDbContextFactory<MotDbContext>>().CreateDbContext();
        Assert.True(db.Database.IsSqlite());
        Assert.IsType<SqliteMetricBatchWriter>(services.GetRequiredService<IMetricBatchWriter>());
        Assert.NotNull(services.GetRequiredService<RunQueryService>());
    }

    [Fact]
    public void PostgreSQL_provider_uses_the_configured_connection_string()
    {
        using var services = Build(new()
        {
            ["Database:Provider"] = "PostgreSQL",
            ["Database:ConnectionString"] = "Host=db;Database=mot;Username=mot",
        });
        using var db = services.GetRequiredService<IDbContextFactory<MotDbContext>>().CreateDbContext();
        Assert.True(db.Database.IsNpgsql());
        Assert.Equal("mot", db.Model.GetDefaultSchema());
        Assert.IsType<PostgresMetricBatchWriter>(services.GetRequiredService<IMetricBatchWriter>());
    }

    [Fact]
    public void Unknown_provider_or_missing_postgres_connection_string_is_a_clear_error()
    {
        var unknown = Assert.Throws<InvalidOperationException>(() => Build(new() { ["Database:Provider"] = "Oracle" }));
        Assert.Contains("Database:Provider 'Oracle'", unknown.Message);
        var missing = Assert.Throws<InvalidOperationException>(() => Build(new() { ["Database:Provider"] = "PostgreSQL" }));
        Assert.Contains("Database:ConnectionString is empty", missing.Message);
    }
}
