using Microsoft.EntityFrameworkCore;
using MoT.Data.Entities;
using MoT.Data.Tests.Infrastructure;
using MoT.Contracts.Runs;
using MoT.Contracts.Sweeps;
using Microsoft.EntityFrameworkCore.Infrastructure;

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
    [Fact]
    public async Task Sweep_rows_left_pending_by_earlier_versions_get_the_status_their_runs_give_and_every_status_name_fits()
    {
        var cancel = TestContext.Current.CancellationToken;
        await MotDatabase.MigrateAsync(Services, cancel);
        var expected = new Dictionary<string, (RunStatus[] Runs, SweepStatus Status)>
        {
            ["live"] = ([RunStatus.Completed, RunStatus.Queued], SweepStatus.Running),
            ["done"] = ([RunStatus.Completed, RunStatus.Pruned], SweepStatus.Completed),
            ["mixed"] = ([RunStatus.Completed, RunStatus.Failed], SweepStatus.CompletedWithFailures),
            ["stopped"] = ([RunStatus.Cancelled, RunStatus.Cancelled], SweepStatus.Cancelled),
            ["broken"] = ([RunStatus.Failed, RunStatus.Cancelled], SweepStatus.Failed),
            ["empty"] = ([], SweepStatus.NotSubmitted),
        };
        var ids = expected.Keys.ToDictionary(name => name, _ => Guid.NewGuid());
        await EnsureUsersAsync(["alice"]);
        await using (var db = await Contexts.CreateDbContextAsync(cancel))
        {
            db.Sweeps.AddRange(ids.Select(s => new Sweep { Id = s.Value, Name = s.Key, OwnerId = "alice", SpecJson = "{}", CreatedAt = Epoch }));
            await db.SaveChangesAsync(cancel);
        }

        await AddRunsAsync([.. expected.SelectMany(s => s.Value.Runs.Select(status => NewRun(status: status, sweep: ids[s.Key])))]);
        // As the earlier versions left them: every sweep row 'Pending'. Step back before the migration and forward again.
        await using (var db = await Contexts.CreateDbContextAsync(cancel))
        {
            await db.Database.ExecuteSqlRawAsync(Target.Provider == DatabaseProvider.PostgreSQL
                ? "UPDATE mot.sweeps SET status = 'Pending'"
                : "UPDATE sweeps SET status = 'Pending'", cancel);
            var migrations = db.Database.GetMigrations().ToList();
            var before = migrations[migrations.FindIndex(m => m.EndsWith("_SweepRecords", StringComparison.Ordinal)) - 1];
            await db.GetService<Microsoft.EntityFrameworkCore.Migrations.IMigrator>().MigrateAsync(before, cancel);
        }

        await MotDatabase.MigrateAsync(Services, cancel);

        await using var read = await Contexts.CreateDbContextAsync(cancel);
        var statuses = await read.Sweeps.AsNoTracking().ToDictionaryAsync(s => s.Name, s => s.Status, cancel);
        Assert.Equal(expected.ToDictionary(s => s.Key, s => s.Value.Status), statuses);
        // Every name fits the column (PostgreSQL enforces its length): the longest is CompletedWithFailures.
        foreach (var status in Enum.GetValues<SweepStatus>())
        {
            var sweep = await read.Sweeps.SingleAsync(s => s.Id == ids["done"], cancel);
            sweep.Status = status;
            await read.SaveChangesAsync(cancel);
        }
    }

    [Fact]
    public async Task Migrations_create_the_run_history_indexes_and_the_unique_metric_key()
    {
        await MotDatabase.MigrateAsync(Services, TestContext.Current.CancellationToken);

        var runs = await IndexesAsync("runs");
        foreach (var columns in new[] { "sweep_id,status", "owner_id", "created_at", "status" })
            Assert.Contains((columns, false), runs);
        Assert.Contains(("run_id,name,step", true), await IndexesAsync("metric_points"));
        // One row per checkpoint file: a step trained again after a resume writes a second file (another attempt's folder).
        var checkpoints = await IndexesAsync("checkpoints");
        Assert.Contains(("run_id,path", true), checkpoints);
        Assert.Contains(("run_id,step", false), checkpoints);
    }

    /// <summary>(comma-separated key columns, unique) of every index on a table, read from the database catalog.</summary>
    private async Task<List<(string Columns, bool Unique)>> IndexesAsync(string table)
    {
        await using var db = await Contexts.CreateDbContextAsync(TestContext.Current.CancellationToken);
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = Target.Provider == DatabaseProvider.PostgreSQL
            ? $"""
              SELECT string_agg(a.attname, ',' ORDER BY k.ord), i.indisunique
              FROM pg_index i
              JOIN pg_class t ON t.oid = i.indrelid
              JOIN pg_namespace n ON n.oid = t.relnamespace
              CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord)
              JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
              WHERE n.nspname = 'mot' AND t.relname = '{table}'
              GROUP BY i.indexrelid, i.indisunique
              """
            : $"""
              SELECT (SELECT group_concat(name, ',') FROM (SELECT name FROM pragma_index_info(il.name) ORDER BY seqno)),
                     il."unique"
              FROM pragma_index_list('{table}') il
              """;
        var indexes = new List<(string, bool)>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            indexes.Add((reader.GetString(0), Convert.ToBoolean(reader.GetValue(1))));
        return indexes;
    }
}

public sealed class SqliteMigrationTests() : MigrationTests(new SqliteTarget());

[Collection(PostgresCollection.Name)]
public sealed class PostgresMigrationTests(PostgresServer server) : MigrationTests(new PostgresTarget(server));
