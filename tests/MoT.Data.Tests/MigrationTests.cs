using Microsoft.EntityFrameworkCore;
using MoT.Data.Entities;
using MoT.Data.Tests.Infrastructure;

namespace MoT.Data.Tests;

public abstract class MigrationTests(DatabaseTarget target) : DataTestBase(target)
{
    protected override bool MigrateOnStart => false;

    [Fact]
    public async Task Migrate_builds_the_full_schema_on_an_empty_database()
    {
        var database = new MotDatabase(Contexts, Database);
        await database.MigrateAsync(TestContext.Current.CancellationToken);

        await using var db = await Contexts.CreateDbContextAsync(TestContext.Current.CancellationToken);
        Assert.Equal(db.Database.GetMigrations(), await database.GetAppliedMigrationsAsync(TestContext.Current.CancellationToken));
        Assert.Empty(await db.Database.GetPendingMigrationsAsync(TestContext.Current.CancellationToken));
        Assert.False(db.Database.HasPendingModelChanges(), "the model has changes no migration captures");

        // Every table exists and round-trips a row, including the self and circular references.
        db.Users.Add(new User { Id = "alice", CreatedAt = Epoch });
        var sweep = new Sweep { Id = Guid.NewGuid(), Name = "lr", OwnerId = "alice", SpecJson = "{\"lr\":[1,2]}", CreatedAt = Epoch };
        db.Sweeps.Add(sweep);
        var parent = NewRun(sweep: sweep.Id, tags: "baseline");
        var child = NewRun();
        child.ParentRunId = parent.Id;
        child.ParentRelation = RunRelation.TransitionTuned;
        db.Runs.AddRange(parent, child);
        var checkpoint = new Checkpoint
        {
            Id = Guid.NewGuid(), RunId = parent.Id, Step = 100, Path = "/ckpt/100.pt", Bytes = 1234,
            Sha256 = new string('a', 64), CreatedAt = Epoch,
        };
        db.Checkpoints.Add(checkpoint);
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);
        parent.CurrentCheckpointId = checkpoint.Id;
        db.MetricPoints.Add(new MetricPoint { RunId = parent.Id, Name = "eval/loss", Step = 100, Value = 3.2, WallTime = Epoch });
        await db.SaveChangesAsync(TestContext.Current.CancellationToken);

        await using var read = await Contexts.CreateDbContextAsync(TestContext.Current.CancellationToken);
        var stored = await read.Runs.AsNoTracking().Include(r => r.Tags).SingleAsync(r => r.Id == child.Id, TestContext.Current.CancellationToken);
        Assert.Equal(RunRelation.TransitionTuned, stored.ParentRelation);
        Assert.Equal(DateTimeKind.Utc, stored.CreatedAt.Kind);
        Assert.Equal(checkpoint.Id, (await read.Runs.SingleAsync(r => r.Id == parent.Id, TestContext.Current.CancellationToken)).CurrentCheckpointId);
        Assert.Equal(1, await read.MetricPoints.CountAsync(TestContext.Current.CancellationToken));
        Assert.Equal(["baseline"], (await read.RunTags.Select(t => t.Tag).ToListAsync(TestContext.Current.CancellationToken)));
    }

    [Fact]
    public async Task Migrating_an_up_to_date_database_again_changes_nothing()
    {
        var database = new MotDatabase(Contexts, Database);
        await database.MigrateAsync(TestContext.Current.CancellationToken);
        var first = await database.GetAppliedMigrationsAsync(TestContext.Current.CancellationToken);
        await database.MigrateAsync(TestContext.Current.CancellationToken);
        Assert.Equal(first, await database.GetAppliedMigrationsAsync(TestContext.Current.CancellationToken));
        Assert.NotEmpty(first);
    }

    [Fact]
    public async Task Run_status_is_stored_as_its_name()
    {
        await MotDatabase.MigrateAsync(Services, TestContext.Current.CancellationToken);
        await AddRunsAsync(NewRun(status: RunStatus.Diverged));
        await using var db = await Contexts.CreateDbContextAsync(TestContext.Current.CancellationToken);
        var status = await db.Database.SqlQueryRaw<string>(
            Target.Provider == DatabaseProvider.PostgreSQL
                ? "SELECT status AS \"Value\" FROM mot.runs"
                : "SELECT status AS \"Value\" FROM runs").SingleAsync(TestContext.Current.CancellationToken);
        Assert.Equal("Diverged", status);
    }
}

public sealed class SqliteMigrationTests() : MigrationTests(new SqliteTarget());

[Collection(PostgresCollection.Name)]
public sealed class PostgresMigrationTests(PostgresServer server) : MigrationTests(new PostgresTarget(server));
