using Microsoft.Extensions.DependencyInjection;
using MoT.Data;

namespace MoT.Dashboard.Tests;

/// <summary>Tests against a real SQLite store with the platform's migrations, in a temporary folder deleted afterwards.</summary>
public abstract class TemporaryStoreTests(string folderPrefix) : IAsyncLifetime
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), folderPrefix + Guid.NewGuid().ToString("N")[..8]);

    protected ServiceProvider Services { get; private set; } = default!;

    public async ValueTask InitializeAsync()
    {
        Services = new ServiceCollection().AddMotData(MotDataOptions.DefaultSqlite(_directory)).BuildServiceProvider();
        await MotDatabase.MigrateAsync(Services, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
