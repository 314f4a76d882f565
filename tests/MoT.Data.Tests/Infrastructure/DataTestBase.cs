using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MoT.Data.Entities;
using MoT.Contracts.Runs;

namespace MoT.Data.Tests.Infrastructure;

/// <summary>Each test gets its own freshly migrated database of the target provider, dropped afterwards.</summary>
public abstract class DataTestBase(DatabaseTarget target) : IAsyncLifetime
{
    protected DatabaseTarget Target { get; } = target;
    protected MotDataOptions Database { get; private set; } = null!;
    protected ServiceProvider Services { get; private set; } = null!;
    protected IDbContextFactory<MotDbContext> Contexts => Services.GetRequiredService<IDbContextFactory<MotDbContext>>();

    /// <summary>Whether <see cref="InitializeAsync"/> applies migrations (the migration tests do it themselves).</summary>
    protected virtual bool MigrateOnStart => true;

    public virtual async ValueTask InitializeAsync()
    {
        Database = await Target.CreateDatabaseAsync();
        Services = new ServiceCollection().AddMotData(Database).BuildServiceProvider();
        if (MigrateOnStart)
            await MotDatabase.MigrateAsync(Services, TestContext.Current.CancellationToken);
    }

    public virtual async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Target.DropDatabaseAsync(Database);
        GC.SuppressFinalize(this);
    }

    protected static readonly DateTime Epoch = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    protected async Task EnsureUsersAsync(params string[] users)
    {
        await using var db = await Contexts.CreateDbContextAsync();
        foreach (var user in users.Distinct())
            if (!await db.Users.AnyAsync(u => u.Id == user))
                db.Users.Add(new User { Id = user, CreatedAt = Epoch });
        await db.SaveChangesAsync();
    }

    protected static Run NewRun(string owner = "alice", string config = "{}", RunStatus status = RunStatus.Completed,
        double? loss = null, DateTime? created = null, string family = "MoT", double flops = 1e18,
        string evalSet = "c4-val", string tokenizer = "cl100k", Guid? sweep = null, int priority = 0,
        params string[] tags)
    {
        var id = Guid.NewGuid();
        return new Run
        {
            Id = id,
            OwnerId = owner,
            ConfigJson = config,
            Status = status,
            BestEvalLoss = loss,
            CreatedAt = created ?? Epoch,
            ModelFamily = family,
            ComputeBudgetFlops = flops,
            EvalSetId = evalSet,
            TokenizerId = tokenizer,
            SweepId = sweep,
            Priority = priority,
            Tags = [.. tags.Select(t => new RunTag { RunId = id, Tag = t })],
        };
    }

    protected async Task<List<Run>> AddRunsAsync(params Run[] runs)
    {
        await EnsureUsersAsync([.. runs.Select(r => r.OwnerId)]);
        await using var db = await Contexts.CreateDbContextAsync();
        db.Runs.AddRange(runs);
        await db.SaveChangesAsync();
        return [.. runs];
    }
}
