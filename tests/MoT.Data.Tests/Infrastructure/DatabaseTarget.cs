using Microsoft.Data.Sqlite;
using Npgsql;

namespace MoT.Data.Tests.Infrastructure;

/// <summary>Creates empty databases of one provider for tests, and simulates that database going away.</summary>
public abstract class DatabaseTarget
{
    public abstract DatabaseProvider Provider { get; }

    /// <summary>A new, empty (not yet migrated) database.</summary>
    public abstract Task<MotDataOptions> CreateDatabaseAsync();

    public abstract Task DropDatabaseAsync(MotDataOptions database);

    /// <summary>Makes the database unreachable until the returned handle is disposed.</summary>
    public abstract Task<IAsyncDisposable> BeginOutageAsync(MotDataOptions database);

    public override string ToString() => Provider.ToString();

    protected sealed class Restore(Func<Task> restore) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await restore();
    }
}

public sealed class SqliteTarget : DatabaseTarget
{
    public override DatabaseProvider Provider => DatabaseProvider.Sqlite;

    public override Task<MotDataOptions> CreateDatabaseAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "mot-data-tests", Guid.NewGuid().ToString("N"));
        return Task.FromResult(MotDataOptions.DefaultSqlite(directory));
    }

    public override Task DropDatabaseAsync(MotDataOptions database)
    {
        SqliteConnection.ClearAllPools();
        var directory = Path.GetDirectoryName(new SqliteConnectionStringBuilder(database.ConnectionString).DataSource)!;
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        return Task.CompletedTask;
    }

    /// <summary>Moves the database file away (as an unmounted volume would): opening it fails until it is back.</summary>
    public override Task<IAsyncDisposable> BeginOutageAsync(MotDataOptions database)
    {
        SqliteConnection.ClearAllPools();
        var file = new SqliteConnectionStringBuilder(database.ConnectionString).DataSource;
        var hidden = file + ".offline";
        File.Move(file, hidden);
        return Task.FromResult<IAsyncDisposable>(new Restore(() =>
        {
            File.Move(hidden, file);
            return Task.CompletedTask;
        }));
    }
}

public sealed class PostgresTarget(PostgresServer server) : DatabaseTarget
{
    public override DatabaseProvider Provider => DatabaseProvider.PostgreSQL;

    public override async Task<MotDataOptions> CreateDatabaseAsync()
    {
        var name = $"mot_test_{Guid.NewGuid():N}";
        return new MotDataOptions(DatabaseProvider.PostgreSQL, await server.CreateDatabaseAsync(name));
    }

    public override Task DropDatabaseAsync(MotDataOptions database)
    {
        NpgsqlConnection.ClearAllPools();
        return server.DropDatabaseAsync(new NpgsqlConnectionStringBuilder(database.ConnectionString).Database!);
    }

    /// <summary>
    /// Stops the whole server when this run owns it (connection refused); against a shared server
    /// (MOT_TEST_POSTGRES) renames the database away instead (database does not exist).
    /// </summary>
    public override async Task<IAsyncDisposable> BeginOutageAsync(MotDataOptions database)
    {
        if (server.OwnsServer)
        {
            await server.StopAsync();
            return new Restore(async () =>
            {
                await server.StartAsync();
                NpgsqlConnection.ClearAllPools();
            });
        }
        var name = new NpgsqlConnectionStringBuilder(database.ConnectionString).Database!;
        await server.RenameDatabaseAsync(name, name + "_offline");
        return new Restore(() => server.RenameDatabaseAsync(name + "_offline", name));
    }
}
